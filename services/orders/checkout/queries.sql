-- name: offer
-- The store's rules and what it sells of the basket, in one trip: a row per sku found (the
-- store's columns repeated), or one row with no sku when it sells none of them. `available`
-- is read without a lock, as of the last commit: enough to refuse a sold-out sku at once;
-- the reservation re-checks under the row lock.
SELECT s.currency, s.weighed_buffer_pct, s.unpaid_timeout_s, s.lat, s.lng,
       p.sku, p.name_en, p.name_ja, p.zone, p.unit, p.price, p.on_hand - p.reserved AS available
FROM orders.stores s
LEFT JOIN orders.products p ON p.store_id = s.store_id AND p.sku = ANY($2::text[])
WHERE s.store_id = $1
