-- name: store
SELECT store_id, lat, lng, bag_capacity, service_s, detour_factor, rider_speed_kmh
FROM delivery.stores WHERE store_id = $1

-- name: stores
SELECT store_id FROM delivery.stores ORDER BY store_id

-- name: ready
SELECT order_id, lat, lng, promise_at, placed_at, bags FROM delivery.deliveries
WHERE store_id = $1 AND status = 'ready'
ORDER BY promise_at, order_id

-- name: waiting
-- Paid delivery orders still being picked or packed, with when the floor should be done by
-- tonight's pace and their place in line (store clock $2).
SELECT d.order_id, d.lat, d.lng, d.promise_at, d.placed_at, f.bags, f.ready_by
FROM delivery.deliveries d
JOIN delivery.floor_queue($1, $2) f USING (order_id)
ORDER BY f.ready_by, d.order_id

-- name: riders
SELECT r.rider_id, r.lat, r.lng, r.box_bags, o.route_id, o.status AS route_status
FROM delivery.riders r
LEFT JOIN delivery.routes o
    ON o.store_id = r.store_id AND o.rider_id = r.rider_id AND o.status IN ('assigned', 'out')
WHERE r.store_id = $1 AND r.on_shift
ORDER BY r.rider_id

-- name: carried
-- In the order of the route's stops: the order the rider rides them in.
SELECT d.route_id, d.order_id, d.lat, d.lng, d.promise_at, d.placed_at, d.bags
FROM delivery.deliveries d
JOIN delivery.route_stops s USING (store_id, route_id, order_id)
WHERE d.store_id = $1 AND d.status = 'out'
ORDER BY d.route_id, s.seq

-- name: take_ready
SELECT order_id FROM delivery.deliveries
WHERE store_id = $1 AND order_id = ANY($2::text[]) AND status = 'ready'
ORDER BY order_id
FOR UPDATE

-- name: rider_free
SELECT r.on_shift AND NOT EXISTS (
    SELECT 1 FROM delivery.routes o
    WHERE o.store_id = r.store_id AND o.rider_id = r.rider_id AND o.status IN ('assigned', 'out'))
FROM delivery.riders r WHERE r.store_id = $1 AND r.rider_id = $2
FOR UPDATE

-- name: insert_route
INSERT INTO delivery.routes (store_id, route_id, rider_id, status, planned_at, solver)
VALUES ($1, $2, $3, 'assigned', $4, $5)

-- name: insert_stops
INSERT INTO delivery.route_stops (store_id, route_id, seq, order_id, eta)
SELECT $1, $2, s.seq, s.order_id, s.eta
FROM unnest($3::int[], $4::text[], $5::timestamptz[]) AS s (seq, order_id, eta)

-- name: assign
UPDATE delivery.deliveries d SET status = 'assigned', route_id = $2, rider_id = $3, eta = s.eta
FROM unnest($4::text[], $5::timestamptz[]) AS s (order_id, eta)
WHERE d.store_id = $1 AND d.order_id = s.order_id

-- name: refresh_etas
UPDATE delivery.deliveries d SET eta = s.eta
FROM unnest($2::text[], $3::timestamptz[]) AS s (order_id, eta)
WHERE d.store_id = $1 AND d.order_id = s.order_id AND d.status = 'out'

-- name: record_run
INSERT INTO delivery.dispatch_runs
    (store_id, at, solver, solve_s, ready_orders, free_riders, committed, held, late_orders,
     lateness_s, unassigned, owner)
VALUES (:store_id, :at, :solver, :solve_s, :ready_orders, :free_riders, :committed, :held,
        :late_orders, :lateness_s, :unassigned, :owner)
ON CONFLICT (store_id) DO UPDATE
SET at = EXCLUDED.at, solver = EXCLUDED.solver, solve_s = EXCLUDED.solve_s,
    ready_orders = EXCLUDED.ready_orders, free_riders = EXCLUDED.free_riders,
    committed = EXCLUDED.committed, held = EXCLUDED.held, late_orders = EXCLUDED.late_orders,
    lateness_s = EXCLUDED.lateness_s, unassigned = EXCLUDED.unassigned, owner = EXCLUDED.owner

-- name: take_store
-- The store's dispatch, for this session until it ends: true if no other dispatcher has it.
SELECT pg_try_advisory_lock(hashtext('omo.dispatch'), hashtext($1))

-- name: wake
SELECT pg_notify($1, $2)
