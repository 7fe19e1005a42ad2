-- name: till
SELECT currency, lat, lng, radius_m, weight_prefixes, price_prefixes
FROM orders.stores WHERE store_id = $1

-- name: products_for_scans
SELECT sku, ean, plu, name_en, name_ja, zone, unit, price
FROM orders.products
WHERE store_id = $1 AND (ean = ANY($2::bpchar[]) OR plu = ANY($3::text[]))

-- name: insert_sale
INSERT INTO orders.sales (
    store_id, sale_id, channel, sold_by, member_id, currency, total, tender, received, reference,
    order_id, sold_at)
VALUES (:store_id, :sale_id, :channel, :sold_by, :member_id, :currency, :total, :tender,
        :received, :reference, :order_id, :sold_at)

-- name: insert_sale_lines
INSERT INTO orders.sale_lines (
    store_id, sale_id, line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity,
    unit_price, amount)
SELECT :store_id, :sale_id, l.line_no, l.barcode, l.scan, l.sku, l.name_en, l.name_ja, l.zone,
       l.unit, l.quantity, l.unit_price, l.amount
FROM unnest(:line_no::int[], :barcode::text[], :scan::text[], :sku::text[], :name_en::text[],
            :name_ja::text[], :zone::text[], :unit::text[], :quantity::bigint[],
            :unit_price::int[], :amount::int[])
     AS l (line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity, unit_price, amount)

-- name: insert_cart
INSERT INTO orders.carts (store_id, cart_id, member_id, status, currency, opened_at)
VALUES ($1, $2, $3, 'open', $4, $5)

-- name: lock_cart
SELECT store_id, cart_id, member_id, status, currency, opened_at, payment_intent_id,
       client_secret, sale_id, paid_at, exit_at
FROM orders.carts WHERE store_id = $1 AND cart_id = $2
FOR UPDATE

-- name: get_cart
SELECT store_id, cart_id, member_id, status, currency, opened_at, payment_intent_id,
       client_secret, sale_id, paid_at, exit_at
FROM orders.carts WHERE store_id = $1 AND cart_id = $2

-- name: cart_lines
-- The cart's scans still in it, in scan order.
SELECT line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity, unit_price, amount
FROM orders.cart_lines
WHERE store_id = $1 AND cart_id = $2 AND removed_at IS NULL
ORDER BY line_no

-- name: add_cart_line
-- Numbers never repeat in a cart (removed scans keep theirs); the caller holds the cart's lock.
INSERT INTO orders.cart_lines (
    store_id, cart_id, line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity,
    unit_price, amount, scanned_at)
SELECT :store_id, :cart_id, coalesce(max(line_no), 0) + 1, :barcode, :scan, :sku, :name_en,
       :name_ja, :zone, :unit, :quantity, :unit_price, :amount, :now
FROM orders.cart_lines WHERE store_id = :store_id AND cart_id = :cart_id
RETURNING line_no

-- name: remove_cart_line
-- The line's removal time: now if it was in the cart, or when it was removed before.
UPDATE orders.cart_lines SET removed_at = coalesce(removed_at, $4)
WHERE store_id = $1 AND cart_id = $2 AND line_no = $3
RETURNING removed_at

-- name: set_cart_intent
UPDATE orders.carts SET status = 'paying', payment_intent_id = $3, client_secret = $4
WHERE store_id = $1 AND cart_id = $2

-- name: set_cart_paid
UPDATE orders.carts SET status = 'paid', sale_id = $3, paid_at = $4
WHERE store_id = $1 AND cart_id = $2

-- name: set_cart_exit
UPDATE orders.carts SET exit_at = $3, exit_by = $4
WHERE store_id = $1 AND cart_id = $2
