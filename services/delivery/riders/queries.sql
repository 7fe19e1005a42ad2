-- name: lock_rider
SELECT rider_id, name, on_shift, lat, lng, located_at, window_start, window_calls
FROM delivery.riders
WHERE store_id = $1 AND rider_id = $2
FOR UPDATE

-- name: start_shift
WITH shift AS (
    INSERT INTO delivery.shifts (store_id, rider_id, started_at) VALUES ($1, $2, $3)
)
UPDATE delivery.riders SET on_shift = true WHERE store_id = $1 AND rider_id = $2

-- name: end_shift
WITH rider AS (
    UPDATE delivery.riders SET on_shift = false WHERE store_id = $1 AND rider_id = $2
)
UPDATE delivery.shifts SET ended_at = $3
WHERE store_id = $1 AND rider_id = $2 AND ended_at IS NULL
RETURNING started_at

-- name: open_route
SELECT route_id, status FROM delivery.routes
WHERE store_id = $1 AND rider_id = $2 AND status IN ('assigned', 'out')

-- name: add_pings
INSERT INTO delivery.pings (store_id, rider_id, at, lat, lng)
SELECT $1, $2, p.at, p.lat, p.lng
FROM unnest($3::timestamptz[], $4::float8[], $5::float8[]) AS p (at, lat, lng)
ON CONFLICT (store_id, rider_id, at) DO NOTHING

-- name: save_rider_state
UPDATE delivery.riders
SET lat = :lat, lng = :lng, located_at = :located_at, window_start = :window_start,
    window_calls = :window_calls
WHERE store_id = :store_id AND rider_id = :rider_id

-- name: trim_default_pings
-- Pings in the default partition (days with no partition of their own), oldest first.
WITH old AS (
    SELECT ctid FROM delivery.pings_default WHERE at < $1 ORDER BY at LIMIT $2
), gone AS (
    DELETE FROM delivery.pings_default WHERE ctid = ANY(ARRAY(SELECT ctid FROM old)) RETURNING 1
)
SELECT count(*) FROM gone
