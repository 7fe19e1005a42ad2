-- name: set_out_for_delivery
UPDATE orders.orders SET status = 'out_for_delivery', rider_id = $3, delivery_eta = $4
WHERE store_id = $1 AND order_id = $2

-- name: set_delivered
-- The rider who handed it over, whether or not they were seen leaving with it.
UPDATE orders.orders
SET status = 'delivered', rider_id = $3, delivery_proof = $4, delivery_photo_ref = $5
WHERE store_id = $1 AND order_id = $2

-- name: set_delivery_failed
-- The reason is the order's `failure`, as a cancellation's reason is.
UPDATE orders.orders
SET status = 'delivery_failed', rider_id = $3, failure = $4, delivery_note = $5
WHERE store_id = $1 AND order_id = $2
