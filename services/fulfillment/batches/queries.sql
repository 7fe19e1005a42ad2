-- name: lapse_batches
WITH lapsed AS (
    UPDATE fulfillment.batches SET status = 'lapsed', closed_at = $2
    WHERE store_id = $1 AND status = 'active' AND lease_until < $2
    RETURNING store_id, batch_id, picker_id
), requeued AS (
    UPDATE fulfillment.pick_tasks t SET status = 'queued', batch_id = NULL, tote = NULL
    FROM lapsed
    WHERE t.store_id = lapsed.store_id AND t.batch_id = lapsed.batch_id
      AND t.status IN ('claimed', 'picked')
    RETURNING t.task_id
)
SELECT batch_id, picker_id, (SELECT count(*) FROM requeued) AS requeued FROM lapsed

-- name: stores_with_lapsed
SELECT DISTINCT store_id FROM fulfillment.batches WHERE status = 'active' AND lease_until < $1

-- name: candidates
WITH queued AS (
    SELECT store_id, task_id, zone, deadline FROM fulfillment.pick_tasks
    WHERE store_id = $1 AND status = 'queued' AND task_id <> ALL($3::text[])
      -- a tote waiting on its shopper (parked, or left by a lapsed lease) is nobody's work yet
      AND NOT EXISTS (
          SELECT 1 FROM fulfillment.substitutes s
          WHERE s.store_id = $1 AND s.task_id = pick_tasks.task_id AND s.approved IS NULL)
    ORDER BY deadline, task_id
    LIMIT $2
)
SELECT q.task_id, q.zone, q.deadline,
       coalesce(array_agg(array[l.aisle, l.bay, l.shelf]) FILTER (WHERE l.aisle IS NOT NULL),
                '{}') AS stops
FROM queued q
JOIN fulfillment.pick_lines l ON l.store_id = q.store_id AND l.task_id = q.task_id
GROUP BY q.task_id, q.zone, q.deadline

-- name: take_queued
SELECT task_id FROM fulfillment.pick_tasks
WHERE store_id = $1 AND task_id = ANY($2::text[]) AND status = 'queued'
ORDER BY task_id
FOR UPDATE SKIP LOCKED

-- name: bays
SELECT coalesce(max(bay), 1) FROM fulfillment.bins WHERE store_id = $1

-- name: active_batch
SELECT batch_id FROM fulfillment.batches
WHERE store_id = $1 AND picker_id = $2 AND status = 'active'

-- name: insert_batch
INSERT INTO fulfillment.batches
    (store_id, batch_id, picker_id, zone, status, claimed_at, lease_until, task_ids)
VALUES (:store_id, :batch_id, :picker_id, :zone, 'active', :claimed_at, :lease_until, :task_ids)

-- name: assign_tasks
UPDATE fulfillment.pick_tasks t
SET batch_id = :batch_id, picker_id = :picker_id, tote = a.tote,
    claimed_at = coalesce(t.claimed_at, :now),
    status = CASE WHEN t.picked_at IS NULL THEN 'claimed' ELSE 'picked' END
FROM unnest(:task_ids::text[], :totes::int[]) AS a (task_id, tote)
WHERE t.store_id = :store_id AND t.task_id = a.task_id

-- name: lock_batch
SELECT store_id, batch_id, picker_id, zone, status, claimed_at, lease_until, closed_at
FROM fulfillment.batches WHERE store_id = $1 AND batch_id = $2
FOR UPDATE

-- name: lock_batch_tasks
SELECT task_id FROM fulfillment.pick_tasks WHERE store_id = $1 AND batch_id = $2
ORDER BY task_id FOR UPDATE

-- name: renew
UPDATE fulfillment.batches SET lease_until = $3 WHERE store_id = $1 AND batch_id = $2

-- name: close_batch
UPDATE fulfillment.batches SET status = 'done', closed_at = $3
WHERE store_id = $1 AND batch_id = $2 AND status = 'active'
  AND NOT EXISTS (
      SELECT 1 FROM fulfillment.pick_tasks
      WHERE store_id = $1 AND batch_id = $2 AND status NOT IN ('packed', 'cancelled'))
RETURNING true

-- name: tasks_of_batch
SELECT task_id, order_id, zone, tote, fulfilment, deadline, status, picker_id, claimed_at,
       first_scan_at, picked_at, packed_at, parked_at, parked_by,
       (SELECT p.name FROM fulfillment.pickers p
        WHERE p.store_id = t.store_id AND p.picker_id = t.parked_by) AS parked_by_name
FROM fulfillment.pick_tasks t WHERE store_id = $1 AND batch_id = $2
ORDER BY tote

-- name: tasks_of_order
SELECT task_id, order_id, zone, tote, fulfilment, deadline, status, picker_id, claimed_at,
       first_scan_at, picked_at, packed_at, parked_at, parked_by
FROM fulfillment.pick_tasks WHERE store_id = $1 AND order_id = $2
ORDER BY zone

-- name: lines_of_batch
-- The lines of pick tasks with their substitutes; the three lines_of_* queries differ only in
-- the task they select by (batch, task, order), each on its own index.
SELECT t.task_id, t.order_id, t.tote, t.zone, t.currency, l.seq, l.line_no, l.sku, l.ean, l.name_en,
       l.name_ja, l.unit, l.quantity, l.unit_price, l.preference, l.aisle, l.bay, l.shelf,
       l.picked, l.short, l.picked_by,
       s.substitution_id, s.sku AS s_sku, s.ean AS s_ean, s.name_en AS s_name_en,
       s.name_ja AS s_name_ja, s.unit AS s_unit, s.quantity AS s_quantity,
       s.unit_price AS s_unit_price, s.aisle AS s_aisle, s.bay AS s_bay, s.shelf AS s_shelf,
       s.decide_by, s.approved, s.picked AS s_picked, s.closed, s.why AS s_why
FROM fulfillment.pick_tasks t
JOIN fulfillment.pick_lines l ON l.store_id = t.store_id AND l.task_id = t.task_id
LEFT JOIN fulfillment.substitutes s
    ON s.store_id = l.store_id AND s.task_id = l.task_id AND s.seq = l.seq
WHERE t.store_id = :store_id AND t.batch_id = :batch_id AND t.status <> 'cancelled'

-- name: lines_of_task
SELECT t.task_id, t.order_id, t.tote, t.zone, t.currency, l.seq, l.line_no, l.sku, l.ean, l.name_en,
       l.name_ja, l.unit, l.quantity, l.unit_price, l.preference, l.aisle, l.bay, l.shelf,
       l.picked, l.short, l.picked_by,
       s.substitution_id, s.sku AS s_sku, s.ean AS s_ean, s.name_en AS s_name_en,
       s.name_ja AS s_name_ja, s.unit AS s_unit, s.quantity AS s_quantity,
       s.unit_price AS s_unit_price, s.aisle AS s_aisle, s.bay AS s_bay, s.shelf AS s_shelf,
       s.decide_by, s.approved, s.picked AS s_picked, s.closed, s.why AS s_why
FROM fulfillment.pick_tasks t
JOIN fulfillment.pick_lines l ON l.store_id = t.store_id AND l.task_id = t.task_id
LEFT JOIN fulfillment.substitutes s
    ON s.store_id = l.store_id AND s.task_id = l.task_id AND s.seq = l.seq
WHERE t.store_id = :store_id AND t.task_id = :task_id AND t.status <> 'cancelled'

-- name: lines_of_order
SELECT t.task_id, t.order_id, t.tote, t.zone, t.currency, l.seq, l.line_no, l.sku, l.ean, l.name_en,
       l.name_ja, l.unit, l.quantity, l.unit_price, l.preference, l.aisle, l.bay, l.shelf,
       l.picked, l.short, l.picked_by,
       s.substitution_id, s.sku AS s_sku, s.ean AS s_ean, s.name_en AS s_name_en,
       s.name_ja AS s_name_ja, s.unit AS s_unit, s.quantity AS s_quantity,
       s.unit_price AS s_unit_price, s.aisle AS s_aisle, s.bay AS s_bay, s.shelf AS s_shelf,
       s.decide_by, s.approved, s.picked AS s_picked, s.closed, s.why AS s_why
FROM fulfillment.pick_tasks t
JOIN fulfillment.pick_lines l ON l.store_id = t.store_id AND l.task_id = t.task_id
LEFT JOIN fulfillment.substitutes s
    ON s.store_id = l.store_id AND s.task_id = l.task_id AND s.seq = l.seq
WHERE t.store_id = :store_id AND t.order_id = :order_id AND t.status <> 'cancelled'

-- name: add_picked
UPDATE fulfillment.pick_lines SET picked = picked + $4, picked_by = $5
WHERE store_id = $1 AND task_id = $2 AND seq = $3

-- name: add_substitute_picked
UPDATE fulfillment.substitutes SET picked = picked + $4
WHERE store_id = $1 AND task_id = $2 AND seq = $3

-- name: record_scan
INSERT INTO fulfillment.scans
    (store_id, scan_id, batch_id, task_id, seq, substitute, picker_id, barcode, amount,
     device_id, at)
VALUES (:store_id, :scan_id, :batch_id, :task_id, :seq, :substitute, :picker_id, :barcode,
        :amount, :device_id, :at)

-- name: first_scan
UPDATE fulfillment.pick_tasks SET first_scan_at = coalesce(first_scan_at, $3)
WHERE store_id = $1 AND task_id = $2

-- name: mark_short
UPDATE fulfillment.pick_lines SET short = true WHERE store_id = $1 AND task_id = $2 AND seq = $3

-- name: close_substitute
UPDATE fulfillment.substitutes SET closed = true WHERE store_id = $1 AND task_id = $2 AND seq = $3

-- name: insert_substitute
INSERT INTO fulfillment.substitutes
    (store_id, task_id, seq, substitution_id, sku, ean, name_en, name_ja, unit, quantity,
     unit_price, aisle, bay, shelf, decide_by, why)
SELECT :store_id, :task_id, :seq, :substitution_id, :sku, :ean, :name_en, :name_ja, :unit,
       :quantity, :unit_price, b.aisle, b.bay, b.shelf, :decide_by, :why
FROM (SELECT 1) AS one
LEFT JOIN fulfillment.bins b ON b.store_id = :store_id AND b.sku = :sku

-- name: decide_substitute
UPDATE fulfillment.substitutes s SET approved = $3
FROM fulfillment.pick_tasks t
WHERE s.store_id = $1 AND s.substitution_id = $2 AND s.approved IS NULL
  AND t.store_id = s.store_id AND t.task_id = s.task_id
RETURNING s.task_id, s.seq, t.batch_id, t.picker_id, t.status, s.name_en

-- name: mark_picked
UPDATE fulfillment.pick_tasks SET status = 'picked', picked_at = $3
WHERE store_id = $1 AND task_id = $2 AND status = 'claimed'

-- name: mark_picked_in_queue
UPDATE fulfillment.pick_tasks SET picked_at = coalesce(picked_at, $3)
WHERE store_id = $1 AND task_id = $2 AND status = 'queued'

-- name: lock_order_packing
-- Packers of one order's zones take turns, to commit: each then sees the others' packed zones
-- (read committed), so exactly one of them finds the order complete.
SELECT pg_advisory_xact_lock(hashtextextended('fulfillment.packing:' || $1 || ':' || $2, 0))

-- name: mark_packed
UPDATE fulfillment.pick_tasks SET status = 'packed', packed_at = $3, picker_id = $4
WHERE store_id = $1 AND task_id = $2

-- name: insert_bags
INSERT INTO fulfillment.bags (store_id, code, order_id, zone, number, of, packed_at, zones, lines)
SELECT :store_id, b.code, :order_id, b.zone, b.number, b.of, :packed_at, ARRAY[b.zone], b.lines
FROM unnest(:codes::text[], :zones::text[], :numbers::int[], :ofs::int[], :lines::int[])
    AS b (code, zone, number, of, lines)

-- name: share_bag
-- A later zone's goods go into a bag an earlier zone opened: the bag now holds both.
UPDATE fulfillment.bags SET zones = zones || $4::text, lines = lines + $5
WHERE store_id = $1 AND order_id = $2 AND code = $3

-- name: bags_of_order
SELECT code, zone, number, of, zones FROM fulfillment.bags
WHERE store_id = $1 AND order_id = $2 ORDER BY zone, number

-- name: packed_bags
SELECT order_id, code, zone, number, of, zones, lines FROM fulfillment.bags
WHERE store_id = $1 AND order_id = ANY($2::text[]) ORDER BY order_id, packed_at, zone, number

-- name: get_packing_rule
SELECT groups, lines_per_bag FROM fulfillment.packing_rules WHERE store_id = $1

-- name: set_packing_rule
INSERT INTO fulfillment.packing_rules (store_id, groups, lines_per_bag) VALUES ($1, $2, $3)
ON CONFLICT (store_id) DO UPDATE
SET groups = EXCLUDED.groups, lines_per_bag = EXCLUDED.lines_per_bag

-- name: taken_slots
SELECT slot FROM fulfillment.staging WHERE store_id = $1 AND collected_at IS NULL

-- name: stage
INSERT INTO fulfillment.staging (store_id, order_id, slot, staged_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (store_id, order_id) DO NOTHING

-- name: collect
UPDATE fulfillment.staging SET collected_at = $3
WHERE store_id = $1 AND order_id = $2 AND collected_at IS NULL

-- name: device_seq
INSERT INTO fulfillment.devices (store_id, device_id, picker_id, last_seq, seen_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (store_id, device_id) DO UPDATE
SET last_seq = EXCLUDED.last_seq, picker_id = EXCLUDED.picker_id, seen_at = EXCLUDED.seen_at
WHERE fulfillment.devices.last_seq < EXCLUDED.last_seq
RETURNING true

-- name: last_seq
SELECT last_seq FROM fulfillment.devices WHERE store_id = $1 AND device_id = $2

-- name: store_prefixes
SELECT weight_prefixes, price_prefixes FROM fulfillment.stores WHERE store_id = $1


-- name: park_task
-- The tote leaves the batch for the parking shelf; what was picked stays in it.
UPDATE fulfillment.pick_tasks
SET status = 'queued', batch_id = NULL, tote = NULL, parked_at = :now, parked_by = :picker_id
WHERE store_id = :store_id AND task_id = :task_id AND status = 'claimed'

-- name: lease_of
SELECT batch_id, lease_until FROM fulfillment.batches
WHERE store_id = $1 AND picker_id = $2 AND status = 'active'

-- name: where_tasks_went
SELECT t.order_id, t.status, t.picker_id, coalesce(p.name, t.picker_id) AS picker_name
FROM fulfillment.batches b
JOIN fulfillment.pick_tasks t ON t.store_id = b.store_id AND t.task_id = ANY(b.task_ids)
LEFT JOIN fulfillment.pickers p ON p.store_id = t.store_id AND p.picker_id = t.picker_id
WHERE b.store_id = $1 AND b.batch_id = $2
ORDER BY t.order_id

-- name: trim_scans
WITH old AS (
    SELECT store_id, scan_id FROM fulfillment.scans WHERE at < $1 ORDER BY at LIMIT $2
), gone AS (
    DELETE FROM fulfillment.scans s USING old
    WHERE s.store_id = old.store_id AND s.scan_id = old.scan_id
    RETURNING 1
)
SELECT count(*) FROM gone

-- name: is_picker
SELECT EXISTS (SELECT 1 FROM fulfillment.pickers WHERE store_id = $1 AND picker_id = $2);
