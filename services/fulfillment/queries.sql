-- name: upsert_store
INSERT INTO fulfillment.stores
    (store_id, name, timezone, updated_at, weight_prefixes, price_prefixes)
VALUES (:store_id, :name, :timezone, :updated_at, :weight_prefixes, :price_prefixes)
ON CONFLICT (store_id) DO UPDATE
SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, updated_at = EXCLUDED.updated_at,
    weight_prefixes = EXCLUDED.weight_prefixes, price_prefixes = EXCLUDED.price_prefixes

-- name: store_exists
SELECT EXISTS (SELECT 1 FROM fulfillment.stores WHERE store_id = $1)

-- name: upsert_bins
INSERT INTO fulfillment.bins (store_id, sku, zone, aisle, bay, shelf)
SELECT :store_id, b.sku, b.zone, b.aisle, b.bay, b.shelf
FROM unnest(:skus::text[], :zones::text[], :aisles::int[], :bays::int[], :shelves::int[])
    AS b (sku, zone, aisle, bay, shelf)
ON CONFLICT (store_id, sku) DO UPDATE
SET zone = EXCLUDED.zone, aisle = EXCLUDED.aisle, bay = EXCLUDED.bay, shelf = EXCLUDED.shelf

-- name: list_bins
SELECT sku, zone, aisle, bay, shelf FROM fulfillment.bins WHERE store_id = $1

-- name: list_pickers
SELECT picker_id, name FROM fulfillment.pickers WHERE store_id = $1 ORDER BY picker_id

-- name: bins_of
SELECT sku, zone, aisle, bay, shelf FROM fulfillment.bins WHERE store_id = $1 AND sku = ANY($2::text[])

-- name: insert_task
INSERT INTO fulfillment.pick_tasks
    (store_id, task_id, order_id, zone, fulfilment, deadline, status, created_at, currency)
VALUES (:store_id, :task_id, :order_id, :zone, :fulfilment, :deadline, 'queued', :created_at,
        :currency)
ON CONFLICT (store_id, order_id, zone) DO NOTHING
RETURNING task_id

-- name: insert_task_lines
INSERT INTO fulfillment.pick_lines
    (store_id, task_id, seq, line_no, sku, name_en, name_ja, unit, quantity, aisle, bay, shelf,
     ean, unit_price, preference)
SELECT :store_id, :task_id, l.seq, l.line_no, l.sku, l.name_en, l.name_ja, l.unit, l.quantity,
       l.aisle, l.bay, l.shelf, l.ean, l.unit_price, l.preference
FROM unnest(:seqs::int[], :line_nos::int[], :skus::text[], :names_en::text[],
            :names_ja::text[], :units::text[], :quantities::bigint[], :aisles::int[],
            :bays::int[], :shelves::int[], :eans::text[], :unit_prices::int[],
            :preferences::text[])
     AS l (seq, line_no, sku, name_en, name_ja, unit, quantity, aisle, bay, shelf, ean,
           unit_price, preference)

-- name: cancel_tasks
UPDATE fulfillment.pick_tasks SET status = 'cancelled'
WHERE store_id = $1 AND order_id = $2 AND status IN ('queued', 'claimed', 'picked')
RETURNING batch_id, picker_id, tote

-- name: tasks
SELECT t.task_id, t.order_id, t.zone, t.fulfilment, t.status, t.deadline, t.batch_id, t.tote,
       t.picker_id, coalesce(p.name, t.picker_id) AS picker_name, t.created_at, t.claimed_at,
       t.first_scan_at, t.picked_at, t.packed_at, s.collected_at,
       count(l.seq) AS lines,
       count(l.seq) FILTER (WHERE NOT l.short AND l.picked < l.quantity) AS lines_left
FROM fulfillment.pick_tasks t
JOIN fulfillment.pick_lines l ON l.store_id = t.store_id AND l.task_id = t.task_id
LEFT JOIN fulfillment.pickers p ON p.store_id = t.store_id AND p.picker_id = t.picker_id
LEFT JOIN fulfillment.staging s ON s.store_id = t.store_id AND s.order_id = t.order_id
WHERE t.store_id = $1 AND t.status = ANY($2::text[])
  AND ($3::timestamptz IS NULL OR (t.deadline, t.task_id) > ($3, $4::text))
GROUP BY t.store_id, t.task_id, p.name, s.collected_at
ORDER BY t.deadline, t.task_id
LIMIT $5

-- name: order_tasks
-- One order's tasks, whatever their status (one a temperature zone).
SELECT t.task_id, t.order_id, t.zone, t.fulfilment, t.status, t.deadline, t.batch_id, t.tote,
       t.picker_id, coalesce(p.name, t.picker_id) AS picker_name, t.created_at, t.claimed_at,
       t.first_scan_at, t.picked_at, t.packed_at, s.collected_at,
       count(l.seq) AS lines,
       count(l.seq) FILTER (WHERE NOT l.short AND l.picked < l.quantity) AS lines_left
FROM fulfillment.pick_tasks t
JOIN fulfillment.pick_lines l ON l.store_id = t.store_id AND l.task_id = t.task_id
LEFT JOIN fulfillment.pickers p ON p.store_id = t.store_id AND p.picker_id = t.picker_id
LEFT JOIN fulfillment.staging s ON s.store_id = t.store_id AND s.order_id = t.order_id
WHERE t.store_id = $1 AND t.order_id = $2
GROUP BY t.store_id, t.task_id, p.name, s.collected_at
ORDER BY t.deadline, t.task_id

-- name: pickers_at_work
SELECT b.picker_id, coalesce(p.name, b.picker_id) AS name, b.batch_id, b.zone, b.claimed_at,
       b.lease_until, count(t.task_id) AS orders
FROM fulfillment.batches b
LEFT JOIN fulfillment.pickers p ON p.store_id = b.store_id AND p.picker_id = b.picker_id
LEFT JOIN fulfillment.pick_tasks t
    ON t.store_id = b.store_id AND t.batch_id = b.batch_id AND t.status IN ('claimed', 'picked')
WHERE b.store_id = $1 AND b.status = 'active'
GROUP BY b.store_id, b.batch_id, p.name
ORDER BY b.claimed_at

-- name: append_live
-- A message for the store's screens (live.py), in its log; its NOTIFY wakes their streams when
-- the transaction commits. The store's lock, held to commit, makes seq order commit order per
-- store: a stream that has read up to a seq never sees a smaller one commit after.
WITH locked AS (
    SELECT pg_advisory_xact_lock(hashtextextended('fulfillment.live:' || $1, 0))
), appended AS (
    INSERT INTO fulfillment.live_messages (store_id, id, picker_id, topic, data, at)
    SELECT $1, $2, $3, $4, $5, $6 FROM locked
    RETURNING store_id
)
SELECT pg_notify($7, $8) FROM appended

-- name: live_after
-- A picker's messages (their own and their store's) after a place in the log, oldest first.
SELECT id, seq, topic, at AS occurred_at, store_id, data
FROM fulfillment.live_messages
WHERE store_id = $1 AND seq > $2 AND (picker_id IS NULL OR picker_id = $3)
ORDER BY seq
LIMIT $4

-- name: live_head
-- Where a stream with no id starts (after the store's newest message), and the last seq the
-- log gave out (no id above it is one of this log's).
SELECT coalesce((SELECT max(seq) FROM fulfillment.live_messages WHERE store_id = $1), 0) AS head,
       coalesce(
           pg_sequence_last_value(pg_get_serial_sequence('fulfillment.live_messages', 'seq')), 0
       ) AS issued

-- name: trim_live
WITH old AS (
    SELECT store_id, seq FROM fulfillment.live_messages WHERE at < $1 ORDER BY at LIMIT $2
), gone AS (
    DELETE FROM fulfillment.live_messages m USING old
    WHERE m.store_id = old.store_id AND m.seq = old.seq
    RETURNING 1
)
SELECT count(*) FROM gone
