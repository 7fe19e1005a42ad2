-- name: insert_delivery
INSERT INTO delivery.deliveries
    (store_id, order_id, member_id, lat, lng, address_text, promise_at, placed_at, status,
     handover_code)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting', $9)
ON CONFLICT DO NOTHING

-- name: add_bags
INSERT INTO delivery.bags (store_id, code, order_id, zone, number, of)
SELECT $1, b.code, $2, b.zone, b.number, b.of
FROM unnest($3::text[], $4::text[], $5::int[], $6::int[]) AS b (code, zone, number, of)
ON CONFLICT (store_id, code) DO NOTHING

-- name: mark_ready
UPDATE delivery.deliveries
SET status = 'ready', ready_at = $3,
    bags = (SELECT count(*) FROM delivery.bags b WHERE b.store_id = $1 AND b.order_id = $2)
WHERE store_id = $1 AND order_id = $2 AND status = 'waiting'
RETURNING order_id

-- name: leave_backlog
DELETE FROM delivery.backlog WHERE store_id = $1 AND order_id = ANY($2::text[])

-- name: leave_backlog_if_pickup
DELETE FROM delivery.backlog WHERE store_id = $1 AND order_id = $2 AND fulfilment = 'pickup'

-- name: lock_delivery
SELECT order_id, member_id, status, handover_code, route_id, rider_id, eta, promise_at
FROM delivery.deliveries
WHERE store_id = $1 AND order_id = $2
FOR UPDATE

-- name: cancel_delivery
UPDATE delivery.deliveries SET status = 'cancelled', done_at = $3
WHERE store_id = $1 AND order_id = $2

-- name: remove_stop
DELETE FROM delivery.route_stops WHERE store_id = $1 AND route_id = $2 AND order_id = $3

-- name: get_route
SELECT route_id, rider_id, status FROM delivery.routes WHERE store_id = $1 AND route_id = $2

-- name: lock_route
SELECT route_id, rider_id, status FROM delivery.routes
WHERE store_id = $1 AND route_id = $2
FOR UPDATE

-- name: lock_route_deliveries
-- Deliveries before their route, in order_id order: the lock order every writer keeps
-- (the dispatcher too: deliveries, then the rider, then the route it inserts).
SELECT d.order_id FROM delivery.route_stops s
JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
WHERE s.store_id = $1 AND s.route_id = $2
ORDER BY d.order_id
FOR UPDATE OF d

-- name: route_orders
SELECT d.order_id, d.status, d.eta FROM delivery.route_stops s
JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
WHERE s.store_id = $1 AND s.route_id = $2
ORDER BY s.seq

-- name: route_bags
SELECT b.code, b.order_id FROM delivery.route_stops s
JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
JOIN delivery.bags b ON b.store_id = s.store_id AND b.order_id = s.order_id
WHERE s.store_id = $1 AND s.route_id = $2 AND d.status = 'assigned'
ORDER BY s.seq, b.zone, b.number

-- name: route_out
UPDATE delivery.routes SET status = 'out', picked_up_at = $3
WHERE store_id = $1 AND route_id = $2

-- name: deliveries_out
UPDATE delivery.deliveries SET status = 'out', out_at = $3
WHERE store_id = $1 AND order_id = ANY($2::text[]) AND status = 'assigned'

-- name: stops_left
SELECT count(*) FROM delivery.route_stops s
JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
WHERE s.store_id = $1 AND s.route_id = $2 AND d.status IN ('assigned', 'out')

-- name: close_route
UPDATE delivery.routes SET status = $3, done_at = $4
WHERE store_id = $1 AND route_id = $2

-- name: finish_delivery
UPDATE delivery.deliveries
SET status = $3, done_at = $4, proof = $5, photo_ref = $6, failure_reason = $7
WHERE store_id = $1 AND order_id = $2

-- name: route_header
SELECT r.route_id, r.rider_id, r.status, r.planned_at, r.picked_up_at,
       s.store_id, s.name AS store_name, s.lat AS store_lat, s.lng AS store_lng
FROM delivery.routes r JOIN delivery.stores s ON s.store_id = r.store_id
WHERE r.store_id = $1 AND r.route_id = $2

-- name: route_stops
SELECT s.seq, s.order_id, d.address_text, d.lat, d.lng, coalesce(d.eta, s.eta) AS eta,
       d.status, d.promise_at,
       coalesce(array_agg(b.code ORDER BY b.zone, b.number) FILTER (WHERE b.code IS NOT NULL),
                '{}') AS bags
FROM delivery.route_stops s
JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
LEFT JOIN delivery.bags b ON b.store_id = s.store_id AND b.order_id = s.order_id
WHERE s.store_id = $1 AND s.route_id = $2
GROUP BY s.seq, s.order_id, d.address_text, d.lat, d.lng, d.eta, s.eta, d.status, d.promise_at
ORDER BY s.seq

-- name: tracking
-- By order id alone (deliveries_by_order): the shopper's token names no store.
SELECT d.store_id, d.order_id, d.member_id, d.status, d.promise_at, d.eta, d.handover_code,
       r.name AS rider_name, r.lat AS rider_lat, r.lng AS rider_lng, r.located_at,
       (SELECT count(*)
        FROM delivery.route_stops mine
        JOIN delivery.route_stops o
            ON o.store_id = mine.store_id AND o.route_id = mine.route_id AND o.seq < mine.seq
        JOIN delivery.deliveries od ON od.store_id = o.store_id AND od.order_id = o.order_id
        WHERE mine.store_id = d.store_id AND mine.route_id = d.route_id
          AND mine.order_id = d.order_id AND od.status IN ('assigned', 'out')) AS stops_before
FROM delivery.deliveries d
LEFT JOIN delivery.riders r ON r.store_id = d.store_id AND r.rider_id = d.rider_id
WHERE d.order_id = $1

-- name: board_riders
SELECT r.rider_id, r.name, r.lat, r.lng, r.located_at, o.route_id, o.status AS route_status,
       coalesce(r.box_bags, st.bag_capacity) AS box_bags,
       (SELECT count(*) FROM delivery.route_stops s
        JOIN delivery.deliveries d ON d.store_id = s.store_id AND d.order_id = s.order_id
        WHERE s.store_id = o.store_id AND s.route_id = o.route_id
          AND d.status IN ('assigned', 'out')) AS stops_left
FROM delivery.riders r
JOIN delivery.stores st ON st.store_id = r.store_id
LEFT JOIN delivery.routes o
    ON o.store_id = r.store_id AND o.rider_id = r.rider_id AND o.status IN ('assigned', 'out')
WHERE r.store_id = $1 AND r.on_shift
ORDER BY r.rider_id

-- name: board_deliveries
SELECT order_id, status, promise_at, eta, ready_at, bags, route_id, rider_id
FROM delivery.deliveries
WHERE store_id = $1 AND status IN ('waiting', 'ready', 'assigned', 'out')
ORDER BY promise_at, order_id

-- name: last_run
SELECT at, solver, solve_s, ready_orders, free_riders, committed, held, late_orders, lateness_s,
       unassigned, owner
FROM delivery.dispatch_runs WHERE store_id = $1

-- name: code_failures
SELECT count(*) FROM delivery.code_failures WHERE store_id = $1 AND order_id = $2

-- name: add_code_failure
INSERT INTO delivery.code_failures (store_id, order_id, at) VALUES ($1, $2, $3)

-- name: trim_code_failures
-- Wrong codes tried before $1, except for a delivery still open: its count of tries stands
-- until the door.
WITH old AS (
    SELECT f.ctid FROM delivery.code_failures f
    WHERE f.at < $1
      AND NOT EXISTS (
          SELECT 1 FROM delivery.deliveries d
          WHERE d.store_id = f.store_id AND d.order_id = f.order_id
            AND d.status IN ('waiting', 'ready', 'assigned', 'out')
      )
    LIMIT $2
), gone AS (
    DELETE FROM delivery.code_failures WHERE ctid = ANY(ARRAY(SELECT ctid FROM old)) RETURNING 1
)
SELECT count(*) FROM gone
