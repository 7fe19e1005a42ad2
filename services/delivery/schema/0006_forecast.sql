-- What the dispatcher and the quote both read: the orders no rider carries yet and the riders'
-- open routes, and how fast the floor is packing tonight.

CREATE INDEX deliveries_open ON delivery.deliveries (store_id, status)
    WHERE status IN ('waiting', 'ready', 'assigned', 'out');

-- The store's median paid-to-packed over the hour before `at` (its store clock), 5 minutes with
-- nothing packed yet, and its average bags an order (2 with none yet).
CREATE FUNCTION delivery.packing_pace(store text, at timestamptz,
                                      OUT pick interval, OUT bags int)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY ready_at - placed_at),
                    interval '5 minutes'),
           coalesce(round(avg(d.bags))::int, 2)
    FROM delivery.deliveries d
    WHERE d.store_id = store AND d.ready_at > at - interval '1 hour'
      AND d.ready_at <= at AND d.bags > 0
$$;
