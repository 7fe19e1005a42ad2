-- When each order on the floor should be packed, for the quote and the dispatcher alike. The
-- median paid-to-packed of tonight's packed orders alone was too hopeful while a queue grew: it
-- counts only the orders already done, and a floor packs one order per 3600 / orders_per_hour
-- seconds however many wait. So the k-th order in line (by payment) is done no sooner than k of
-- those intervals from now (the smoke run, 33 orders an hour against 57 arriving: orders quoted
-- as packed in 4 minutes took 9-10, and promises made on them broke).
CREATE FUNCTION delivery.floor_queue(store text, at timestamptz)
RETURNS TABLE (order_id text, ready_by timestamptz, bags int)
LANGUAGE sql STABLE AS $$
    SELECT d.order_id,
           greatest(d.placed_at + p.pick,
                    at + make_interval(secs => 3600.0 / s.orders_per_hour
                                               * row_number() OVER (ORDER BY d.placed_at, d.order_id))),
           p.bags
    FROM delivery.deliveries d
    JOIN delivery.stores s USING (store_id),
         delivery.packing_pace(store, at) p
    WHERE d.store_id = store AND d.status = 'waiting'
$$;
