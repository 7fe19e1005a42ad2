-- name: insert_endpoint
INSERT INTO orders.webhook_endpoints
    (store_id, endpoint_id, url, topics, description, secret, created_at)
VALUES (:store_id, :endpoint_id, :url, :topics, :description, :secret, :at)

-- name: list_endpoints
SELECT endpoint_id, url, topics, description, created_at, disabled_at
FROM orders.webhook_endpoints WHERE store_id = $1 ORDER BY created_at, endpoint_id

-- name: disable_endpoint
UPDATE orders.webhook_endpoints SET disabled_at = coalesce(disabled_at, $3)
WHERE store_id = $1 AND endpoint_id = $2
RETURNING endpoint_id

-- name: fan_out
-- One delivery per enabled endpoint of the event's store that wants its topic and was there
-- when it happened (a consumer may handle an older event after an endpoint is registered: the
-- endpoint did not ask for the past); a redelivered event adds none (the key is the endpoint
-- and the event).
INSERT INTO orders.webhook_deliveries
    (store_id, endpoint_id, event_id, seq, topic, body, next_at, created_at)
SELECT e.store_id, e.endpoint_id, :event_id, :seq, :topic, :body, :at, :at
FROM orders.webhook_endpoints e
WHERE e.store_id = :store_id AND e.disabled_at IS NULL AND e.created_at <= :at
  AND ('*' = ANY (e.topics) OR :topic = ANY (e.topics))
ON CONFLICT (store_id, endpoint_id, event_id) DO NOTHING

-- name: claim_due
-- Due deliveries, leased for `lease` so a crashed sender's are tried again after it, not lost.
WITH due AS (
    SELECT d.store_id, d.endpoint_id, d.event_id
    FROM orders.webhook_deliveries d
    WHERE d.next_at <= :now
    ORDER BY d.next_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE orders.webhook_deliveries d SET next_at = :now + :lease
FROM due, orders.webhook_endpoints e
WHERE d.store_id = due.store_id AND d.endpoint_id = due.endpoint_id
  AND d.event_id = due.event_id
  AND e.store_id = d.store_id AND e.endpoint_id = d.endpoint_id
RETURNING d.store_id, d.endpoint_id, d.event_id, d.topic, d.body, d.attempts, e.url, e.secret,
          e.disabled_at

-- name: record_try
UPDATE orders.webhook_deliveries
SET attempts = attempts + 1, last_at = :at, last_status = :status, last_error = :error,
    delivered_at = CASE WHEN :delivered::boolean THEN :at::timestamptz END, next_at = :next_at
WHERE store_id = :store_id AND endpoint_id = :endpoint_id AND event_id = :event_id

-- name: deliveries_of
SELECT event_id, seq, topic, attempts, created_at, last_at, last_status, last_error,
       delivered_at, next_at
FROM orders.webhook_deliveries
WHERE store_id = $1 AND endpoint_id = $2 AND ($3::bigint IS NULL OR seq < $3)
ORDER BY seq DESC
LIMIT $4

-- name: redeliver
UPDATE orders.webhook_deliveries SET next_at = $4, delivered_at = NULL
WHERE store_id = $1 AND endpoint_id = $2 AND event_id = $3
RETURNING event_id
