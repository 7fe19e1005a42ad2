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
-- The cart's scans still in it, in scan order, with their products' allergens as labelled now.
SELECT l.line_no, l.barcode, l.scan, l.sku, l.name_en, l.name_ja, l.zone, l.unit, l.quantity,
       l.unit_price, l.amount, l.tax_class, p.allergens
FROM orders.cart_lines l JOIN orders.products p ON p.store_id = l.store_id AND p.sku = l.sku
WHERE l.store_id = $1 AND l.cart_id = $2 AND l.removed_at IS NULL
ORDER BY l.line_no

-- name: add_cart_line
-- Numbers never repeat in a cart (removed scans keep theirs); the caller holds the cart's lock.
INSERT INTO orders.cart_lines (
    store_id, cart_id, line_no, barcode, scan, sku, name_en, name_ja, zone, unit, quantity,
    unit_price, amount, tax_class, scanned_at)
SELECT :store_id, :cart_id, coalesce(max(line_no), 0) + 1, :barcode, :scan, :sku, :name_en,
       :name_ja, :zone, :unit, :quantity, :unit_price, :amount, :tax_class, :now
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
