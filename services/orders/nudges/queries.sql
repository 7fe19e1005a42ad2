-- name: member
-- The member as the rules judge them now: consent, whether they ordered online since `since` or
-- have an online order on its way (an order of the till or of the counter is not online), and
-- their last nudge. Nothing for a member who deleted their account.
SELECT m.nudge_channel AS channel, m.phone,
       EXISTS (
           SELECT 1 FROM orders.orders o
           WHERE o.member_id = m.member_id
             AND o.status <> ALL (:not_placed::text[])
             AND (o.status <> ALL (:finished::text[])
                  OR EXISTS (SELECT 1 FROM orders.order_stages g
                             WHERE g.store_id = o.store_id AND g.order_id = o.order_id
                               AND g.stage = 'paid' AND g.at >= :since))
             AND NOT EXISTS (SELECT 1 FROM orders.sales s
                             WHERE s.store_id = o.store_id AND s.order_id = o.order_id)
             AND NOT EXISTS (SELECT 1 FROM orders.on_behalf b
                             WHERE b.store_id = o.store_id AND b.order_id = o.order_id)
       ) AS ordered_online,
       (SELECT max(n.created_at) FROM orders.nudges n
        WHERE n.member_id = m.member_id AND n.withheld IS NULL) AS last_nudged_at
FROM orders.members m
WHERE m.member_id = :member_id AND m.erased_at IS NULL

-- name: often_short
-- What the member bought at least :often times at this store since :bought_since (online and in
-- store) and that came up short in one of their orders packed since :short_since; most bought
-- first.
WITH short AS (
    SELECT DISTINCT l.sku
    FROM orders.orders o
    JOIN orders.order_lines l ON l.store_id = o.store_id AND l.order_id = o.order_id
    JOIN orders.order_stages g
      ON g.store_id = o.store_id AND g.order_id = o.order_id AND g.stage = 'packed'
    WHERE o.member_id = :member_id AND o.store_id = :store_id
      AND l.picked < l.quantity AND g.at >= :short_since
), bought AS (
    SELECT l.sku
    FROM orders.orders o
    JOIN orders.order_lines l ON l.store_id = o.store_id AND l.order_id = o.order_id
    JOIN orders.order_stages g
      ON g.store_id = o.store_id AND g.order_id = o.order_id AND g.stage = 'paid'
    WHERE o.member_id = :member_id AND o.store_id = :store_id AND g.at >= :bought_since
    UNION ALL
    SELECT l.sku
    FROM orders.sales s
    JOIN orders.sale_lines l ON l.store_id = s.store_id AND l.sale_id = s.sale_id
    WHERE s.member_id = :member_id AND s.store_id = :store_id AND s.sold_at >= :bought_since
)
SELECT b.sku FROM bought b JOIN short USING (sku)
GROUP BY b.sku HAVING count(*) >= :often
ORDER BY count(*) DESC, b.sku

-- name: liked
-- Substitutes the member approved themselves at this store, newest first.
SELECT s.sku
FROM orders.substitutions s
JOIN orders.orders o ON o.store_id = s.store_id AND o.order_id = s.order_id
WHERE o.member_id = :member_id AND s.store_id = :store_id
  AND s.approved AND s.decided_by = 'shopper'
ORDER BY s.decided_at DESC
LIMIT 10

-- name: products
SELECT sku, name_en, name_ja, on_hand - reserved AS available
FROM orders.products WHERE store_id = :store_id AND sku = ANY (:skus::text[])

-- name: order_skus
SELECT sku FROM orders.order_lines WHERE store_id = :store_id AND order_id = :order_id
ORDER BY line_no

-- name: order_member
SELECT member_id FROM orders.orders WHERE store_id = :store_id AND order_id = :order_id

-- name: insert_nudge
-- One nudge a visit: a redelivered event finds it there.
INSERT INTO orders.nudges (
    store_id, nudge_id, member_id, visit, kind, channel, skus, message, created_at)
VALUES (:store_id, :nudge_id, :member_id, :visit, :kind, :channel, :skus, :message, :created_at)
ON CONFLICT (store_id, visit) DO NOTHING

-- name: due
-- Nudges waiting to go, oldest first; another instance's are skipped, not waited for.
SELECT store_id, nudge_id, member_id, kind, channel, message, created_at
FROM orders.nudges
WHERE sent_at IS NULL AND withheld IS NULL
ORDER BY created_at
LIMIT :limit
FOR UPDATE SKIP LOCKED

-- name: mark_sent
UPDATE orders.nudges SET sent_at = :at, channel = :channel
WHERE store_id = :store_id AND nudge_id = :nudge_id

-- name: unsend
UPDATE orders.nudges SET sent_at = NULL WHERE nudge_id = :nudge_id AND opened_at IS NULL

-- name: withhold
UPDATE orders.nudges SET withheld = :why WHERE store_id = :store_id AND nudge_id = :nudge_id

-- name: open
UPDATE orders.nudges SET opened_at = coalesce(opened_at, :at)
WHERE nudge_id = :nudge_id AND member_id = :member_id AND sent_at IS NOT NULL
RETURNING nudge_id

-- name: last_sent
-- The member's latest nudge sent and not yet followed by an order, locked.
SELECT store_id, nudge_id, sent_at FROM orders.nudges
WHERE member_id = :member_id AND sent_at IS NOT NULL AND order_id IS NULL
ORDER BY sent_at DESC
LIMIT 1
FOR UPDATE

-- name: follow
UPDATE orders.nudges SET order_id = :order_id, ordered_at = :at
WHERE store_id = :store_id AND nudge_id = :nudge_id AND order_id IS NULL

-- name: by_counter
-- An order rung up at a till or placed at a counter: not the member coming back online.
SELECT EXISTS (SELECT 1 FROM orders.sales WHERE store_id = :store_id AND order_id = :order_id)
    OR EXISTS (SELECT 1 FROM orders.on_behalf WHERE store_id = :store_id AND order_id = :order_id)

-- name: of_member
-- Newest first, after the page's cursor (the last shown's sent_at and id) if any.
SELECT nudge_id, store_id, kind, skus, message, sent_at, opened_at
FROM orders.nudges
WHERE member_id = :member_id AND sent_at IS NOT NULL
  AND (:sent_at::timestamptz IS NULL OR (sent_at, nudge_id) < (:sent_at, :nudge_id::text))
ORDER BY sent_at DESC, nudge_id DESC
LIMIT :limit

-- name: conversion
-- Each kind's nudges made at the store since :since, and what became of them.
SELECT kind, count(*) AS made, count(sent_at) AS sent, count(withheld) AS withheld,
       count(opened_at) AS opened, count(order_id) AS ordered
FROM orders.nudges
WHERE store_id = :store_id AND created_at >= :since
GROUP BY kind
