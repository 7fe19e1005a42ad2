-- name: publish
-- The advisory lock on the key, held to commit, makes seq order equal commit order per key.
WITH locked AS (
    SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))
), event AS (
    INSERT INTO kernel.events
        (id, topic, key, version, payload, occurred_at, request_id, store_id)
    SELECT :id, :topic, :key, :version, :payload, :occurred_at, :request_id, :store_id
    FROM locked
    ON CONFLICT (id) DO NOTHING
    RETURNING id, seq, key, topic
), fanned AS (
    INSERT INTO kernel.deliveries (consumer, seq, event_id, key)
    SELECT s.consumer, event.seq, event.id, event.key
    FROM event JOIN kernel.subscriptions s ON s.topic = event.topic
    RETURNING consumer
)
SELECT pg_notify('omo_bus', consumer) FROM (SELECT DISTINCT consumer FROM fanned) c

-- name: claim
-- The oldest due deliveries whose key has no earlier delivery still waiting (order per key);
-- rows another instance holds are skipped, not waited for. The locking scan reads deliveries
-- alone, in (consumer, seq) order, so it stops after $2 rows however long the queue is.
WITH claimed AS (
    SELECT d.seq, d.attempts, d.event_id
    FROM kernel.deliveries d
    WHERE d.consumer = $1
      AND d.next_attempt_at <= now()
      AND NOT EXISTS (
          SELECT 1 FROM kernel.deliveries earlier
          WHERE earlier.consumer = d.consumer AND earlier.key = d.key AND earlier.seq < d.seq
      )
    ORDER BY d.seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
SELECT c.seq, c.attempts, e.id, e.topic, e.key, e.version, e.payload, e.occurred_at,
       e.request_id
FROM claimed c JOIN kernel.events e ON e.id = c.event_id
ORDER BY c.seq

-- name: handled
SELECT true FROM kernel.handled_events WHERE consumer = $1 AND event_id = $2

-- name: take
-- Done with this delivery, and was it the first time for this event? One round trip; the
-- handler runs after it in the same savepoint, so a failure undoes both.
WITH gone AS (
    DELETE FROM kernel.deliveries WHERE consumer = $1 AND seq = $2
)
INSERT INTO kernel.handled_events (consumer, event_id) VALUES ($1, $3)
ON CONFLICT DO NOTHING
RETURNING true

-- name: postpone
UPDATE kernel.deliveries
SET attempts = attempts + 1,
    next_attempt_at = now() + make_interval(secs => $3),
    last_error = $4
WHERE consumer = $1 AND seq = $2

-- name: park
WITH gone AS (
    DELETE FROM kernel.deliveries WHERE consumer = $1 AND seq = $2
    RETURNING consumer, seq, event_id, key, attempts
)
INSERT INTO kernel.dead_letters (consumer, seq, event_id, key, attempts, last_error)
SELECT consumer, seq, event_id, key, attempts + 1, $3 FROM gone

-- name: subscribe
INSERT INTO kernel.subscriptions (consumer, topic)
SELECT $1, unnest($2::text[])
ON CONFLICT DO NOTHING

-- name: next_due
SELECT extract(epoch FROM min(next_attempt_at) - now())
FROM kernel.deliveries WHERE consumer = $1

-- name: lag
SELECT d.consumer, count(*) AS pending,
       coalesce(extract(epoch FROM now() - min(e.published_at)), 0) AS oldest_s
FROM kernel.deliveries d JOIN kernel.events e ON e.id = d.event_id
WHERE d.consumer = ANY($1::text[])
GROUP BY d.consumer

-- name: dead_count
SELECT consumer, count(*) AS dead FROM kernel.dead_letters
WHERE consumer = ANY($1::text[]) GROUP BY consumer

-- name: dead_list
SELECT x.consumer, x.seq, x.event_id, e.topic, x.key, x.attempts, x.last_error, x.parked_at
FROM kernel.dead_letters x JOIN kernel.events e ON e.id = x.event_id
WHERE $1::text IS NULL OR x.consumer = $1
ORDER BY x.parked_at, x.seq

-- name: dead_retry
-- Back into the queue with a clean slate; its original seq keeps its place in its key's order.
WITH revived AS (
    DELETE FROM kernel.dead_letters
    WHERE ($1::text IS NULL OR consumer = $1) AND ($2::bigint IS NULL OR seq = $2)
    RETURNING consumer, seq, event_id, key
), queued AS (
    INSERT INTO kernel.deliveries (consumer, seq, event_id, key)
    SELECT consumer, seq, event_id, key FROM revived
    RETURNING consumer
)
SELECT consumer, count(*) AS revived, pg_notify('omo_bus', consumer)
FROM queued GROUP BY consumer

-- name: trim_horizon
-- Trimming stops before the first event young enough to keep (in seq order, which is publish
-- order per key), or after the last event when none is.
SELECT coalesce(
    (SELECT seq FROM kernel.events WHERE published_at >= $1 ORDER BY published_at LIMIT 1),
    (SELECT max(seq) + 1 FROM kernel.events),
    0
)

-- name: trim_events
-- One batch: the next $4 events after seq $2 and before $3, of which those published before
-- $1 go unless a consumer has yet to handle them or has them parked as a dead letter. Returns
-- the last seq looked at (the next batch starts after it) and how many went.
WITH candidates AS (
    SELECT seq FROM kernel.events
    WHERE seq > $2 AND seq < $3
    ORDER BY seq
    LIMIT $4
), gone AS (
    DELETE FROM kernel.events e
    USING candidates c
    WHERE e.seq = c.seq
      AND e.published_at < $1
      AND NOT EXISTS (SELECT 1 FROM kernel.deliveries d WHERE d.event_id = e.id)
      AND NOT EXISTS (SELECT 1 FROM kernel.dead_letters x WHERE x.event_id = e.id)
    RETURNING e.seq
)
SELECT (SELECT max(seq) FROM candidates) AS last, (SELECT count(*) FROM gone) AS trimmed

-- name: trim_handled
-- Handled ids older than $1 whose event has left the log: no delivery or dead letter can name
-- it any more (their foreign keys), so it cannot come round again through the bus.
WITH old AS (
    SELECT h.consumer, h.event_id FROM kernel.handled_events h
    WHERE h.handled_at < $1
      AND NOT EXISTS (SELECT 1 FROM kernel.events e WHERE e.id = h.event_id)
    ORDER BY h.handled_at
    LIMIT $2
), gone AS (
    DELETE FROM kernel.handled_events h USING old
    WHERE h.consumer = old.consumer AND h.event_id = old.event_id
    RETURNING 1
)
SELECT count(*) FROM gone

-- name: stats_consumers
-- Every consumer: deliveries waiting and the age of the oldest, dead letters, and what it
-- handled over the last 5 minutes and hour (by the handled ids' index, the hour only).
WITH names AS (
    SELECT consumer FROM kernel.subscriptions
    UNION SELECT consumer FROM kernel.dead_letters
), waiting AS (
    SELECT d.consumer, count(*) AS pending, extract(epoch FROM now() - min(e.published_at)) AS oldest_s
    FROM kernel.deliveries d JOIN kernel.events e ON e.id = d.event_id
    GROUP BY d.consumer
), dead AS (
    SELECT consumer, count(*) AS dead FROM kernel.dead_letters GROUP BY consumer
), handled AS (
    SELECT consumer,
           count(*) FILTER (WHERE handled_at > now() - interval '5 minutes') AS last_5_min,
           count(*) AS last_hour,
           extract(epoch FROM now() - max(handled_at)) AS last_s
    FROM kernel.handled_events WHERE handled_at > now() - interval '1 hour'
    GROUP BY consumer
)
SELECT n.consumer, coalesce(w.pending, 0) AS pending, coalesce(w.oldest_s, 0) AS oldest_s,
       coalesce(x.dead, 0) AS dead, coalesce(h.last_5_min, 0) AS last_5_min,
       coalesce(h.last_hour, 0) AS last_hour, h.last_s
FROM names n
LEFT JOIN waiting w USING (consumer)
LEFT JOIN dead x USING (consumer)
LEFT JOIN handled h USING (consumer)
ORDER BY n.consumer

-- name: stats_published
SELECT topic,
       count(*) FILTER (WHERE published_at > now() - interval '5 minutes') AS last_5_min,
       count(*) AS last_hour
FROM kernel.events WHERE published_at > now() - interval '1 hour'
GROUP BY topic ORDER BY topic

-- name: stats_held
-- Events past their retention that a consumer still holds: waiting for it, or parked.
SELECT consumer, count(*) FILTER (WHERE NOT parked) AS waiting, count(*) FILTER (WHERE parked) AS parked
FROM (
    SELECT d.consumer, false AS parked FROM kernel.deliveries d
    JOIN kernel.events e ON e.id = d.event_id WHERE e.published_at < $1
    UNION ALL
    SELECT x.consumer, true FROM kernel.dead_letters x
    JOIN kernel.events e ON e.id = x.event_id WHERE e.published_at < $1
) held
GROUP BY consumer ORDER BY consumer

-- name: stats_table
-- A table's size with its partitions, its row estimate, and whether it is partitioned.
WITH tree AS (
    SELECT relid, isleaf FROM pg_partition_tree($1::regclass)
    UNION ALL
    SELECT $1::regclass, true WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree($1::regclass))
)
SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0)::bigint AS bytes,
       coalesce(sum(greatest(c.reltuples, 0)) FILTER (WHERE t.isleaf), 0)::bigint AS estimate,
       (SELECT relkind = 'p' FROM pg_class WHERE oid = $1::regclass) AS partitioned
FROM tree t JOIN pg_class c ON c.oid = t.relid

-- name: events_of_key
-- One key's events after a place in the log, oldest first (a stream's replay and follow-up).
SELECT id, seq, topic, version, payload, occurred_at, store_id
FROM kernel.events
WHERE key = $1 AND seq > $2
ORDER BY seq
LIMIT $3

-- name: last_issued
-- The log's last seq given out, committed or not (0 before the first): no id above it is one.
SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('kernel.events', 'seq')), 0)
