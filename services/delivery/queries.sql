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
SELECT rider_id, name, box_bags FROM delivery.riders WHERE store_id = $1 ORDER BY rider_id

-- name: get_pace
SELECT orders_per_hour, detour_factor, rider_speed_kmh FROM delivery.stores WHERE store_id = $1

-- name: set_pace
UPDATE delivery.stores SET orders_per_hour = $2, detour_factor = $3, rider_speed_kmh = $4
WHERE store_id = $1
RETURNING orders_per_hour, detour_factor, rider_speed_kmh

-- name: get_capacity
SELECT bag_capacity AS box_bags, service_s AS handover_s FROM delivery.stores WHERE store_id = $1

-- name: set_capacity
UPDATE delivery.stores SET bag_capacity = $2, service_s = $3
WHERE store_id = $1
RETURNING bag_capacity AS box_bags, service_s AS handover_s

-- name: get_rider_capacity
SELECT r.rider_id, r.box_bags, coalesce(r.box_bags, s.bag_capacity) AS carries
FROM delivery.riders r JOIN delivery.stores s ON s.store_id = r.store_id
WHERE r.store_id = $1 AND r.rider_id = $2

-- name: set_rider_capacity
WITH changed AS (
    UPDATE delivery.riders SET box_bags = $3
    WHERE store_id = $1 AND rider_id = $2
    RETURNING store_id, rider_id, box_bags
)
SELECT c.rider_id, c.box_bags, coalesce(c.box_bags, s.bag_capacity) AS carries
FROM changed c JOIN delivery.stores s ON s.store_id = c.store_id

-- name: backlog_size
SELECT count(*) FROM delivery.backlog WHERE store_id = $1

-- name: riders_now
SELECT (SELECT count(*) FROM delivery.riders WHERE store_id = $1 AND on_shift) AS on_shift,
       (SELECT count(*) FROM delivery.deliveries
        WHERE store_id = $1 AND status IN ('waiting', 'ready')) AS unassigned

-- name: add_to_backlog
INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: remove_from_backlog
DELETE FROM delivery.backlog WHERE store_id = $1 AND order_id = $2
