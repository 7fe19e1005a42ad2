-- name: store_rules
SELECT currency, weighed_buffer_pct, unpaid_timeout_s, lat, lng
FROM orders.stores WHERE store_id = $1

-- name: sellable
SELECT sku, name_en, name_ja, zone, unit, price
FROM orders.products WHERE store_id = $1 AND sku = ANY($2::text[])

-- name: reserve
-- Takes stock only where enough is left; concurrent checkouts re-check after each other's
-- commit, so two can never take the same unit. Every stock writer locks its rows first in sku
-- order (the materialized CTE): the UPDATE alone locks in whatever order its plan reads the
-- table, and two baskets sharing skus would deadlock.
WITH locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = $1 AND sku = ANY($2::text[])
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET reserved = p.reserved + r.quantity
FROM unnest($2::text[], $3::bigint[]) AS r (sku, quantity), locked
WHERE p.store_id = $1 AND p.sku = r.sku AND locked.sku = r.sku
  AND p.on_hand - p.reserved >= r.quantity
RETURNING p.sku

-- name: release
WITH locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = $1 AND sku = ANY($2::text[])
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET reserved = greatest(p.reserved - r.quantity, 0)
FROM unnest($2::text[], $3::bigint[]) AS r (sku, quantity), locked
WHERE p.store_id = $1 AND p.sku = r.sku AND locked.sku = r.sku

-- name: insert_order
INSERT INTO orders.orders (
    store_id, order_id, member_id, idempotency_key, fulfilment, address_text, address_lat,
    address_lng, status, currency, estimate, to_authorize, promise_at, pay_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'awaiting_payment', $9, $10, $11, $12, $13)

-- name: insert_lines
INSERT INTO orders.order_lines (
    store_id, order_id, line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price,
    estimate, substitution)
SELECT $1, $2, l.line_no, l.sku, l.name_en, l.name_ja, l.zone, l.unit, l.quantity, l.unit_price,
       l.estimate, l.substitution
FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
            $10::int[], $11::int[], $12::text[])
     AS l (line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price, estimate, substitution)

-- name: add_stage
INSERT INTO orders.order_stages (store_id, order_id, stage, at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: order_by_key
SELECT store_id, order_id FROM orders.orders WHERE member_id = $1 AND idempotency_key = $2

-- name: get_order
SELECT store_id, order_id, member_id, fulfilment, address_text, address_lat, address_lng,
       status, currency, estimate, to_authorize, promise_at, payment_intent_id, client_secret,
       pay_by, failure, pickup_slot, rider_id, delivery_eta, delivery_proof, delivery_photo_ref,
       delivery_note
FROM orders.orders WHERE order_id = $1

-- name: lock_order
SELECT store_id, order_id, member_id, fulfilment, address_text, address_lat, address_lng,
       status, currency, estimate, to_authorize, promise_at, payment_intent_id, client_secret,
       pay_by, failure, pickup_slot, rider_id, delivery_eta, delivery_proof, delivery_photo_ref,
       delivery_note
FROM orders.orders WHERE store_id = $1 AND order_id = $2
FOR UPDATE

-- name: set_intent
UPDATE orders.orders SET payment_intent_id = $3, client_secret = $4
WHERE store_id = $1 AND order_id = $2

-- name: set_status
UPDATE orders.orders SET status = $3, failure = coalesce($4, failure)
WHERE store_id = $1 AND order_id = $2

-- name: lines
SELECT line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price, estimate, substitution,
       picked, substitute_sku, substitute_name_en, substitute_quantity, charged
FROM orders.order_lines WHERE store_id = $1 AND order_id = $2 ORDER BY line_no

-- name: placed_lines
-- The lines as `order.placed` announces them: with the EAN the picker scans, as the catalog
-- has it now (products are never deleted, so every line finds its product).
SELECT l.line_no, l.sku, l.name_en, l.name_ja, l.zone, l.unit, l.quantity, l.unit_price,
       l.substitution, p.ean
FROM orders.order_lines l JOIN orders.products p ON p.store_id = l.store_id AND p.sku = l.sku
WHERE l.store_id = $1 AND l.order_id = $2
ORDER BY l.line_no

-- name: stages
SELECT stage, at FROM orders.order_stages WHERE store_id = $1 AND order_id = $2 ORDER BY at

-- name: ledger
SELECT kind, amount, currency, gateway_id, source_id, at
FROM orders.payments WHERE store_id = $1 AND order_id = $2 ORDER BY at, entry_id

-- name: add_ledger
INSERT INTO orders.payments
    (store_id, order_id, entry_id, kind, amount, currency, gateway_id, at, source_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

-- name: overdue_unpaid
SELECT store_id, order_id FROM orders.orders
WHERE status = 'awaiting_payment' AND pay_by < $1
ORDER BY pay_by
LIMIT $2
FOR UPDATE SKIP LOCKED

-- name: member_orders
SELECT order_id FROM orders.orders
WHERE member_id = $1 AND status NOT IN ('payment_failed', 'expired')
ORDER BY order_id DESC
LIMIT $2

-- name: take_from_stock
-- Packing: what left the shelf leaves on_hand, and the reservation it was held by is let go.
WITH locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = $1 AND sku = ANY($2::text[])
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET on_hand = greatest(p.on_hand - r.taken, 0), reserved = greatest(p.reserved - r.unreserve, 0)
FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS r (sku, taken, unreserve), locked
WHERE p.store_id = $1 AND p.sku = r.sku AND locked.sku = r.sku

-- name: record_packed_lines
UPDATE orders.order_lines l
SET picked = r.picked, substitute_sku = r.sku, substitute_name_en = r.name_en,
    substitute_name_ja = r.name_ja, substitute_unit = r.unit, substitute_quantity = r.quantity,
    substitute_unit_price = r.unit_price, charged = r.charged
FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
            $10::int[], $11::int[])
     AS r (line_no, picked, sku, name_en, name_ja, unit, quantity, unit_price, charged)
WHERE l.store_id = $1 AND l.order_id = $2 AND l.line_no = r.line_no
