-- name: save_picker
INSERT INTO fulfillment.pickers (store_id, picker_id, name, pin_digest) VALUES ($1, $2, $3, $4)
ON CONFLICT (store_id, picker_id) DO UPDATE SET name = EXCLUDED.name, pin_digest = EXCLUDED.pin_digest

-- name: recent_failures
SELECT count(*) FROM fulfillment.pin_failures WHERE store_id = $1 AND at > $2

-- name: picker_by_pin
SELECT picker_id, name FROM fulfillment.pickers WHERE store_id = $1 AND pin_digest = $2

-- name: add_failure
INSERT INTO fulfillment.pin_failures (store_id, at) VALUES ($1, $2)

-- name: trim_pin_failures
WITH old AS (
    SELECT ctid FROM fulfillment.pin_failures WHERE at < $1 LIMIT $2
), gone AS (
    DELETE FROM fulfillment.pin_failures WHERE ctid = ANY(ARRAY(SELECT ctid FROM old)) RETURNING 1
)
SELECT count(*) FROM gone
