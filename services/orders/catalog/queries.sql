-- name: upsert_products
INSERT INTO orders.products
    (store_id, sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand)
SELECT $1, p.sku, p.ean, p.name_en, p.name_ja, p.brand, p.category, p.zone, p.unit, p.price, p.on_hand
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::int[], $11::bigint[])
     AS p (sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand)
ON CONFLICT (store_id, sku) DO UPDATE
SET ean = EXCLUDED.ean, name_en = EXCLUDED.name_en, name_ja = EXCLUDED.name_ja,
    brand = EXCLUDED.brand, category = EXCLUDED.category, zone = EXCLUDED.zone,
    unit = EXCLUDED.unit, price = EXCLUDED.price, on_hand = EXCLUDED.on_hand

-- name: count_products
SELECT count(*) FROM orders.products WHERE store_id = $1
