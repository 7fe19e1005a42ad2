-- Retention (shared/bus/retention.py) trims the log and the handled ids by age, and
-- `omo events stats` counts the last hour's traffic: both find old or recent rows by these
-- instead of reading the whole table.
CREATE INDEX events_by_published_at ON kernel.events (published_at);
CREATE INDEX handled_events_by_handled_at ON kernel.handled_events (handled_at);
-- Deleting an event checks that no delivery or dead letter still names it (their foreign keys,
-- the trim's backstop): by index, not by reading a long queue once per event. Deliveries are
-- few and short-lived (deleted as handled), so this index stays small.
CREATE INDEX deliveries_by_event ON kernel.deliveries (event_id);
CREATE INDEX dead_letters_by_event ON kernel.dead_letters (event_id);
