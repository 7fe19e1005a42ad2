-- name: claim_sweep
-- The sweep's turn, unless an instance took it less than :every_s seconds ago (the database's
-- time: instances' clocks may run fast for a simulation, or disagree); a concurrent claim waits
-- on the row, then finds it taken.
INSERT INTO kernel.sweeps AS s (name, ran_at) VALUES (:name, clock_timestamp())
ON CONFLICT (name) DO UPDATE SET ran_at = EXCLUDED.ran_at
WHERE s.ran_at <= EXCLUDED.ran_at - make_interval(secs => :every_s)
RETURNING name
