-- name: insert_store
INSERT INTO orders.stores (store_id, name, lat, lng, radius_m, currency, timezone, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
ON CONFLICT (store_id) DO NOTHING
RETURNING store_id

-- name: update_store
UPDATE orders.stores
SET name = $2, lat = $3, lng = $4, radius_m = $5, currency = $6, timezone = $7, updated_at = $8
WHERE store_id = $1
RETURNING store_id

-- name: get_store
SELECT store_id, name, lat, lng, radius_m, currency, timezone FROM orders.stores WHERE store_id = $1
