-- name: store_rules
SELECT currency, weighed_buffer_pct, unpaid_timeout_s, lat, lng
FROM orders.stores WHERE store_id = $1

-- name: sellable
SELECT sku, name_en, name_ja, zone, unit, price
FROM orders.products WHERE store_id = $1 AND sku = ANY($2::text[])
