-- name: insert_store
INSERT INTO orders.stores
    (store_id, name, lat, lng, radius_m, currency, timezone, created_at, updated_at)
VALUES (:store_id, :name, :lat, :lng, :radius_m, :currency, :timezone, :now, :now)
ON CONFLICT (store_id) DO NOTHING
RETURNING weight_prefixes, price_prefixes

-- name: update_store
UPDATE orders.stores
SET name = :name, lat = :lat, lng = :lng, radius_m = :radius_m, currency = :currency,
    timezone = :timezone, updated_at = :now
WHERE store_id = :store_id
RETURNING weight_prefixes, price_prefixes

-- name: get_store
SELECT store_id, name, lat, lng, radius_m, currency, timezone FROM orders.stores WHERE store_id = $1

-- name: stores_in_box
-- The finder's prefilter: the stores inside a box around a point (see domain.bounding_box).
SELECT store_id, name, lat, lng, radius_m, currency, timezone
FROM orders.stores
WHERE lat BETWEEN $1 AND $2 AND (lng BETWEEN $3 AND $4 OR lng BETWEEN $5 AND $6)
