-- name: insert_order
-- The order, its lines and its `created` stage: one statement, one trip. Each line keeps the
-- tax class its product had when the caller read it, as it keeps that price. With a stock
-- claim (:claim_id, made by checkout's `offer`) the order takes it over as its reservation in
-- the same statement: the claim's rows go, `reserved` stays; if the claim is gone (it expired
-- and was given back) nothing is written. With an answer (:answer_body, not NULL) the request's
-- Idempotency-Key is stored with it too (the kernel's row, as shared/web/idempotency.py's
-- `FirstAnswer` makes it; written here, not through the kernel's idempotency_store, since it
-- must commit in this very statement): a key another request stored first fails the whole
-- statement on the key's primary key, and nothing is written. True when written; no row when
-- not.
WITH taken AS (
    DELETE FROM orders.stock_claims
    WHERE store_id = :store_id AND claim_id = :claim_id
    RETURNING sku
), ord AS (
    INSERT INTO orders.orders (
        store_id, order_id, member_id, idempotency_key, fulfilment, address_text, address_lat,
        address_lng, status, currency, estimate, to_authorize, promise_at, pay_by,
        payment_intent_id, client_secret)
    SELECT :store_id, :order_id, :member_id, :idempotency_key, :fulfilment, :address_text,
           :address_lat, :address_lng, 'awaiting_payment', :currency, :estimate, :to_authorize,
           :promise_at, :pay_by, :payment_intent_id, :client_secret
    WHERE :claim_id::text IS NULL OR EXISTS (SELECT FROM taken)
    RETURNING store_id, order_id
), lines AS (
    INSERT INTO orders.order_lines (
        store_id, order_id, line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price,
        estimate, substitution, tax_class)
    SELECT ord.store_id, ord.order_id, l.*
    FROM ord CROSS JOIN unnest(
        :line_no::int[], :sku::text[], :name_en::text[], :name_ja::text[], :zone::text[],
        :unit::text[], :quantity::bigint[], :unit_price::int[], :estimate_each::int[],
        :substitution::text[], :tax_class::text[])
        AS l (line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price, estimate,
              substitution, tax_class)
), stage AS (
    INSERT INTO orders.order_stages (store_id, order_id, stage, at)
    SELECT store_id, order_id, 'created', :created_at FROM ord
), answered AS (
    INSERT INTO kernel.idempotency_keys (
        service, caller, key, fingerprint, expires_at, status, body, media_type)
    SELECT :service, :caller, :idempotency_key, :fingerprint, now() + :ttl::interval,
           :answer_status, :answer_body::bytea, :answer_media_type
    FROM ord WHERE :answer_body::bytea IS NOT NULL
)
SELECT true FROM ord

-- name: order_by_key
SELECT store_id, order_id FROM orders.orders WHERE member_id = $1 AND idempotency_key = $2

-- name: get_order
SELECT store_id, order_id, member_id, fulfilment, address_text, address_lat, address_lng,
       status, currency, estimate, to_authorize, promise_at, payment_intent_id, client_secret,
       pay_by, failure, pickup_slot, rider_id, delivery_eta, delivery_proof, delivery_photo_ref,
       delivery_note
FROM orders.orders WHERE order_id = $1

-- name: lock_order
-- Every writer of an order locks its row first, so the steps of one order never interleave.
SELECT store_id, order_id, member_id, fulfilment, address_text, address_lat, address_lng,
       status, currency, estimate, to_authorize, promise_at, payment_intent_id, client_secret,
       pay_by, failure, pickup_slot, rider_id, delivery_eta, delivery_proof, delivery_photo_ref,
       delivery_note
FROM orders.orders WHERE store_id = $1 AND order_id = $2
FOR UPDATE

-- name: overdue_unpaid
SELECT store_id, order_id FROM orders.orders
WHERE status = 'awaiting_payment' AND pay_by < $1
ORDER BY pay_by
LIMIT $2
FOR UPDATE SKIP LOCKED

-- name: member_orders
-- Newest first by id (ids are time-ordered), after the page's cursor if any.
SELECT order_id FROM orders.orders
WHERE member_id = :member_id AND status NOT IN ('payment_failed', 'expired')
  AND (:before::text IS NULL OR order_id < :before)
ORDER BY order_id DESC
LIMIT :limit

-- name: set_intent
UPDATE orders.orders SET payment_intent_id = $3, client_secret = $4
WHERE store_id = $1 AND order_id = $2
RETURNING store_id, order_id, member_id, fulfilment, address_text, address_lat, address_lng,
          status, currency, estimate, to_authorize, promise_at, payment_intent_id,
          client_secret, pay_by, failure, pickup_slot, rider_id, delivery_eta, delivery_proof,
          delivery_photo_ref, delivery_note

-- name: set_status
UPDATE orders.orders SET status = $3, failure = coalesce($4, failure)
WHERE store_id = $1 AND order_id = $2

-- name: set_pickup_slot
-- Only a pickup order has a slot. Writing the same slot again changes nothing, so a repeated
-- announcement is harmless; a new slot (the bags were moved) replaces the old one.
UPDATE orders.orders SET pickup_slot = $3
WHERE store_id = $1 AND order_id = $2 AND fulfilment = 'pickup'
RETURNING order_id

-- name: set_out_for_delivery
UPDATE orders.orders SET status = 'out_for_delivery', rider_id = $3, delivery_eta = $4
WHERE store_id = $1 AND order_id = $2

-- name: set_delivered
-- The rider who handed it over, whether or not they were seen leaving with it.
UPDATE orders.orders
SET status = 'delivered', rider_id = $3, delivery_proof = $4, delivery_photo_ref = $5
WHERE store_id = $1 AND order_id = $2

-- name: set_delivery_failed
-- The reason is the order's `failure`, as a cancellation's reason is.
UPDATE orders.orders
SET status = 'delivery_failed', rider_id = $3, failure = $4, delivery_note = $5
WHERE store_id = $1 AND order_id = $2

-- name: forget_addresses
-- Delivery addresses go; `address_text` stays non-null (empty) for delivery orders, as the
-- table's rule wants. The PaymentIntent's client secret goes with them.
UPDATE orders.orders
SET address_text = CASE WHEN fulfilment = 'delivery' THEN '' END,
    address_lat = NULL, address_lng = NULL, client_secret = NULL
WHERE member_id = :member_id

-- name: lines
SELECT line_no, sku, name_en, name_ja, zone, unit, quantity, unit_price, estimate, substitution,
       picked, substitute_sku, substitute_name_en, substitute_quantity, charged, tax_class
FROM orders.order_lines WHERE store_id = $1 AND order_id = $2 ORDER BY line_no

-- name: placed_lines
-- The lines as `order.placed` announces them: with the EAN the picker scans, as the catalog
-- has it now (products are never deleted, so every line finds its product).
SELECT l.line_no, l.sku, l.name_en, l.name_ja, l.zone, l.unit, l.quantity, l.unit_price,
       o.currency, l.substitution, p.ean
FROM orders.order_lines l
JOIN orders.orders o ON o.store_id = l.store_id AND o.order_id = l.order_id
JOIN orders.products p ON p.store_id = l.store_id AND p.sku = l.sku
WHERE l.store_id = $1 AND l.order_id = $2
ORDER BY l.line_no

-- name: record_packed_lines
UPDATE orders.order_lines l
SET picked = r.picked, substitute_sku = r.sku, substitute_name_en = r.name_en,
    substitute_name_ja = r.name_ja, substitute_unit = r.unit, substitute_quantity = r.quantity,
    substitute_unit_price = r.unit_price, charged = r.charged
FROM unnest(:line_no::int[], :picked::bigint[], :sku::text[], :name_en::text[],
            :name_ja::text[], :unit::text[], :quantity::bigint[], :unit_price::int[],
            :charged::int[])
     AS r (line_no, picked, sku, name_en, name_ja, unit, quantity, unit_price, charged)
WHERE l.store_id = :store_id AND l.order_id = :order_id AND l.line_no = r.line_no

-- name: add_stage
INSERT INTO orders.order_stages (store_id, order_id, stage, at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: stages
SELECT stage, at FROM orders.order_stages WHERE store_id = $1 AND order_id = $2 ORDER BY at
