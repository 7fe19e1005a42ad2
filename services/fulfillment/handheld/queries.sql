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

-- name: store_facts
SELECT store_id, name, timezone FROM fulfillment.stores WHERE store_id = $1

-- name: parked_totes
-- Totes parked by a picker and not claimed since, with whether the shopper still decides.
SELECT t.order_id, t.zone, t.deadline, t.parked_at, t.parked_by,
       coalesce(p.name, t.parked_by) AS parked_by_name,
       EXISTS (
           SELECT 1 FROM fulfillment.substitutes s
           WHERE s.store_id = t.store_id AND s.task_id = t.task_id AND s.approved IS NULL
       ) AS awaiting
FROM fulfillment.pick_tasks t
LEFT JOIN fulfillment.pickers p ON p.store_id = t.store_id AND p.picker_id = t.parked_by
WHERE t.store_id = $1 AND t.status = 'queued' AND t.parked_at IS NOT NULL
ORDER BY t.deadline, t.task_id
