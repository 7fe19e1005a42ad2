-- name: save_picker
INSERT INTO fulfillment.pickers (store_id, picker_id, name, pin_digest) VALUES ($1, $2, $3, $4)
ON CONFLICT (store_id, picker_id) DO UPDATE SET name = EXCLUDED.name, pin_digest = EXCLUDED.pin_digest

-- name: picker_by_pin
SELECT picker_id, name FROM fulfillment.pickers WHERE store_id = $1 AND pin_digest = $2

-- name: known_device
-- A handheld that has sent commands in this store lately (its id is a random one of its own).
SELECT EXISTS (
    SELECT 1 FROM fulfillment.devices WHERE store_id = $1 AND device_id = $2 AND seen_at > $3
)
