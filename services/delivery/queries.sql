-- name: upsert_store
INSERT INTO delivery.stores (store_id, name, lat, lng, radius_m, updated_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (store_id) DO UPDATE
SET name = EXCLUDED.name, lat = EXCLUDED.lat, lng = EXCLUDED.lng,
    radius_m = EXCLUDED.radius_m, updated_at = EXCLUDED.updated_at

-- name: get_zone
SELECT store_id, lat, lng, radius_m FROM delivery.stores WHERE store_id = $1

-- name: add_riders
INSERT INTO delivery.riders (store_id, rider_id, name)
SELECT $1, r.rider_id, r.name FROM unnest($2::text[], $3::text[]) AS r (rider_id, name)
ON CONFLICT (store_id, rider_id) DO UPDATE SET name = EXCLUDED.name

-- name: list_riders
SELECT rider_id, name FROM delivery.riders WHERE store_id = $1 ORDER BY rider_id
