-- name: upsert_store
INSERT INTO delivery.stores (store_id, name, lat, lng, radius_m, timezone, updated_at)
VALUES (:store_id, :name, :lat, :lng, :radius_m, :timezone, :updated_at)
ON CONFLICT (store_id) DO UPDATE
SET name = EXCLUDED.name, lat = EXCLUDED.lat, lng = EXCLUDED.lng,
    radius_m = EXCLUDED.radius_m, timezone = EXCLUDED.timezone, updated_at = EXCLUDED.updated_at

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

-- name: quote_basis
-- What a quote needs of the store at its store clock $2: where it is and how far it delivers,
-- its pace, its box, the orders on the floor ahead, and how fast tonight's floor packs.
SELECT s.lat, s.lng, s.radius_m, s.orders_per_hour, s.detour_factor, s.rider_speed_kmh,
       s.bag_capacity, s.service_s, p.bags AS typical_bags,
       (SELECT count(*) FROM delivery.backlog b WHERE b.store_id = s.store_id) AS backlog
FROM delivery.stores s, delivery.packing_pace($1, $2) p
WHERE s.store_id = $1

-- name: rider_times
-- Riders on shift: where they are, and where and when their open route's last stop is.
SELECT r.rider_id, r.box_bags, r.lat, r.lng, last.eta, last.lat AS stop_lat,
       last.lng AS stop_lng
FROM delivery.riders r
LEFT JOIN (
    SELECT DISTINCT ON (rider_id) rider_id, eta, lat, lng
    FROM delivery.deliveries
    WHERE store_id = $1 AND status IN ('assigned', 'out')
    ORDER BY rider_id, eta DESC
) last USING (rider_id)
WHERE r.store_id = $1 AND r.on_shift
ORDER BY r.rider_id

-- name: unassigned
-- Delivery orders no rider carries yet: packed (ready now) or on the floor (ready by tonight's
-- pace and their place in line, `floor_queue`), with their bags (on the floor: the typical).
SELECT d.order_id, d.lat, d.lng, d.promise_at, d.placed_at,
       CASE WHEN d.status = 'ready' THEN d.bags ELSE f.bags END AS bags,
       CASE WHEN d.status = 'ready' THEN $2::timestamptz ELSE f.ready_by END AS ready_by
FROM delivery.deliveries d
LEFT JOIN delivery.floor_queue($1, $2) f USING (order_id)
WHERE d.store_id = $1 AND d.status IN ('waiting', 'ready')

-- name: add_to_backlog
INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: remove_from_backlog
DELETE FROM delivery.backlog WHERE store_id = $1 AND order_id = $2

-- name: add_late_quote
INSERT INTO delivery.late_quotes (store_id, at, quote_id, fulfilment, cause, promise_at, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: trim_late_quotes
WITH old AS (
    SELECT ctid FROM delivery.late_quotes WHERE at < $1 LIMIT $2
), gone AS (
    DELETE FROM delivery.late_quotes WHERE ctid = ANY(ARRAY(SELECT ctid FROM old)) RETURNING 1
)
SELECT count(*) FROM gone
