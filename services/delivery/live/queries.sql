-- name: store
SELECT store_id, name, lat, lng, radius_m, timezone FROM delivery.stores
WHERE store_id = :store_id

-- name: open_deliveries
-- Deliveries not yet done, with where they go and their place on their rider's route.
SELECT d.order_id, d.status, d.placed_at, d.promise_at, d.eta, d.lat, d.lng, d.rider_id,
       s.seq
FROM delivery.deliveries d
LEFT JOIN delivery.route_stops s
    ON s.store_id = d.store_id AND s.route_id = d.route_id AND s.order_id = d.order_id
WHERE d.store_id = :store_id AND d.status IN ('waiting', 'ready', 'assigned', 'out')
ORDER BY d.promise_at, d.order_id

-- name: done_since
-- Deliveries done (delivered or failed) since :since: how many, and how many were in time
-- against the promise and against 30 minutes from placement (a failed door is never in time).
SELECT count(*) AS done,
       count(*) FILTER (WHERE status = 'delivered') AS delivered,
       count(*) FILTER (WHERE status = 'delivered' AND done_at <= promise_at) AS on_promise,
       count(*) FILTER (WHERE status = 'delivered'
                          AND done_at <= placed_at + interval '30 minutes') AS within_30
FROM delivery.deliveries
WHERE store_id = :store_id AND status IN ('delivered', 'failed') AND done_at > :since

-- name: late_quotes_by_cause
-- Quotes since :since that refused a promise or made it later than 30 minutes, by cause.
SELECT cause, count(*) AS quotes
FROM delivery.late_quotes
WHERE store_id = :store_id AND at > :since
GROUP BY cause
ORDER BY count(*) DESC, cause

-- name: latest_late_quotes
SELECT at, fulfilment, cause, promise_at, reason
FROM delivery.late_quotes
WHERE store_id = :store_id AND at > :since
ORDER BY at DESC, quote_id DESC
LIMIT :limit

-- name: followed_order
-- One delivery of the store, with its stage times and its rider's name.
SELECT d.status, d.placed_at, d.promise_at, d.ready_at, d.out_at, d.done_at, d.eta,
       coalesce(r.name, d.rider_id) AS rider
FROM delivery.deliveries d
LEFT JOIN delivery.riders r ON r.store_id = d.store_id AND r.rider_id = d.rider_id
WHERE d.store_id = :store_id AND d.order_id = :order_id
