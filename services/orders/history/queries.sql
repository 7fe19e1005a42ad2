-- name: timeline
-- Online orders (by the time they were placed, with their status now: out_for_delivery,
-- delivered, delivery_failed...), pickups (by the time they were collected), and in-store
-- sales, one list. An order's amount is what it cost after refunds (nothing, for a failed
-- delivery), its estimate until it is charged. An order the till sent home appears once, as
-- its sale.
WITH entries AS (
    SELECT 'online_' || o.fulfilment AS kind, o.store_id, o.order_id AS ref, o.status,
           coalesce((SELECT sum(CASE p.kind WHEN 'refund' THEN -p.amount ELSE p.amount END)
                     FROM orders.payments p
                     WHERE p.store_id = o.store_id AND p.order_id = o.order_id
                       AND p.kind IN ('capture', 'charge', 'refund')), o.estimate) AS amount,
           o.currency, s.at
    FROM orders.orders o
    JOIN orders.order_stages s
      ON s.store_id = o.store_id AND s.order_id = o.order_id AND s.stage = 'created'
    WHERE o.member_id = $1 AND o.status NOT IN ('payment_failed', 'expired')
      AND NOT EXISTS (SELECT 1 FROM orders.sales x WHERE x.order_id = o.order_id)
    UNION ALL
    SELECT 'pickup', o.store_id, o.order_id, 'collected', NULL, o.currency, s.at
    FROM orders.orders o
    JOIN orders.order_stages s
      ON s.store_id = o.store_id AND s.order_id = o.order_id AND s.stage = 'collected'
    WHERE o.member_id = $1
    UNION ALL
    SELECT sa.channel, sa.store_id, sa.sale_id, 'paid', sa.total, sa.currency, sa.sold_at
    FROM orders.sales sa
    WHERE sa.member_id = $1
)
SELECT kind, store_id, ref, status, amount, currency, at FROM entries
WHERE $2::timestamptz IS NULL OR (at, ref) < ($2, $3::text)
ORDER BY at DESC, ref DESC
LIMIT $4

-- name: buy_again
-- What the member bought most often (in distinct purchases, any channel), as the store sells it
-- now. An order the till sent home counts once, as its sale; one cancelled or whose delivery
-- failed (refunded in full) was no purchase.
WITH bought AS (
    SELECT l.sku, l.order_id AS purchase
    FROM orders.order_lines l
    JOIN orders.orders o ON o.store_id = l.store_id AND o.order_id = l.order_id
    WHERE o.member_id = $1
      AND o.status IN ('placed', 'picking', 'picked', 'packed', 'out_for_delivery', 'delivered',
                       'ready_for_pickup', 'collected')
      AND NOT EXISTS (SELECT 1 FROM orders.sales x WHERE x.order_id = o.order_id)
    UNION
    SELECT sl.sku, sl.sale_id
    FROM orders.sale_lines sl
    JOIN orders.sales sa ON sa.store_id = sl.store_id AND sa.sale_id = sl.sale_id
    WHERE sa.member_id = $1
), ranked AS (
    SELECT sku, count(*) AS times FROM bought GROUP BY sku
)
SELECT r.sku, r.times, p.name_en, p.name_ja, p.unit, p.price, s.currency,
       greatest(p.on_hand - p.reserved, 0) AS available
FROM ranked r
JOIN orders.products p ON p.store_id = $2 AND p.sku = r.sku
JOIN orders.stores s ON s.store_id = p.store_id
ORDER BY r.times DESC, p.name_en
LIMIT $3
