-- name: insert_codes
-- Once per order: a request resumed after a first one stopped half-way keeps its codes.
INSERT INTO orders.on_behalf (
    store_id, order_id, placed_by, payment, tracking_code, handover_code, placed_at)
VALUES (:store_id, :order_id, :placed_by, :payment, :tracking_code, :handover_code, :placed_at)
ON CONFLICT (store_id, order_id) DO NOTHING

-- name: codes_of
SELECT payment, tracking_code, handover_code FROM orders.on_behalf
WHERE store_id = :store_id AND order_id = :order_id

-- name: tracked
-- An order's progress by its tracking code, and nothing of whom it is for.
SELECT b.tracking_code, o.store_id, o.order_id, s.timezone, o.fulfilment, o.status,
       o.promise_at, CASE WHEN o.status = 'out_for_delivery' THEN o.delivery_eta END AS eta,
       o.pickup_slot
FROM orders.on_behalf b
JOIN orders.orders o ON o.store_id = b.store_id AND o.order_id = b.order_id
JOIN orders.stores s ON s.store_id = o.store_id
WHERE b.tracking_code = :tracking_code
