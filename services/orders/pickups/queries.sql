-- name: pickup_state
-- Read after the order's row is locked, in a statement of its own, so it sees what the lock
-- waited for.
SELECT o.status, o.fulfilment, s.timezone, p.version, p.collected_at
FROM orders.orders o
JOIN orders.stores s ON s.store_id = o.store_id
LEFT JOIN orders.pickup_codes p ON p.store_id = o.store_id AND p.order_id = o.order_id
WHERE o.store_id = $1 AND o.order_id = $2

-- name: issue_code
INSERT INTO orders.pickup_codes (store_id, order_id, version, issued_at)
VALUES ($1, $2, 1, $3)
ON CONFLICT (store_id, order_id) DO NOTHING
RETURNING version

-- name: reissue_code
-- A new version kills every earlier code; the first code ever shown may be this one.
INSERT INTO orders.pickup_codes AS p (store_id, order_id, version, issued_at, gift_phone, gift_note)
VALUES ($1, $2, 1, $3, $4, $5)
ON CONFLICT (store_id, order_id) DO UPDATE
SET version = p.version + 1, issued_at = EXCLUDED.issued_at,
    gift_phone = EXCLUDED.gift_phone, gift_note = EXCLUDED.gift_note
RETURNING version

-- name: mark_collected
UPDATE orders.pickup_codes SET collected_at = $3, collected_by = $4
WHERE store_id = $1 AND order_id = $2
