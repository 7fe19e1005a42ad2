-- name: upsert_products
INSERT INTO orders.products
    (store_id, sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand)
SELECT :store_id, p.sku, p.ean, p.name_en, p.name_ja, p.brand, p.category, p.zone, p.unit,
       p.price, p.on_hand
FROM unnest(:sku::text[], :ean::text[], :name_en::text[], :name_ja::text[], :brand::text[],
            :category::text[], :zone::text[], :unit::text[], :price::int[], :on_hand::bigint[])
     AS p (sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand)
ON CONFLICT (store_id, sku) DO UPDATE
SET ean = EXCLUDED.ean, name_en = EXCLUDED.name_en, name_ja = EXCLUDED.name_ja,
    brand = EXCLUDED.brand, category = EXCLUDED.category, zone = EXCLUDED.zone,
    unit = EXCLUDED.unit, price = EXCLUDED.price, on_hand = EXCLUDED.on_hand

-- name: count_products
SELECT count(*) FROM orders.products WHERE store_id = $1

-- name: search_products
-- One keyset page in (name_en, sku) order after (:after_name, :after_sku); :pattern is for
-- ILIKE, and every filter is optional.
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved
FROM orders.products
WHERE store_id = :store_id
  AND (:pattern::text IS NULL
       OR name_en ILIKE :pattern OR name_ja ILIKE :pattern OR brand ILIKE :pattern)
  AND (:category::text IS NULL OR category = :category)
  AND (:zone::text IS NULL OR zone = :zone)
  AND (:after_name::text IS NULL OR (name_en, sku) > (:after_name::text, :after_sku::text))
ORDER BY name_en, sku
LIMIT :limit

-- name: get_product
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved
FROM orders.products
WHERE store_id = $1 AND sku = $2

-- name: substitute_candidates
-- What could stand in for product :sku at all: another product sold in the same unit with at
-- least :quantity available. Only its category or the sku a preference names can qualify;
-- catalog/domain.py rank_substitutes applies the preference and ranks.
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved
FROM orders.products
WHERE store_id = :store_id AND sku <> :sku AND unit = :unit AND on_hand - reserved >= :quantity
  AND (category = :category OR sku = :named)

-- name: ean_owners
SELECT ean, sku FROM orders.products WHERE store_id = $1 AND ean = ANY($2::bpchar[])

-- name: define_products
-- Definitions only: a new product starts with no stock, and stock is never changed here.
INSERT INTO orders.products
    (store_id, sku, ean, name_en, name_ja, brand, category, zone, unit, price)
SELECT :store_id, p.sku, p.ean, p.name_en, p.name_ja, p.brand, p.category, p.zone, p.unit,
       p.price
FROM unnest(:sku::text[], :ean::text[], :name_en::text[], :name_ja::text[], :brand::text[],
            :category::text[], :zone::text[], :unit::text[], :price::int[])
     AS p (sku, ean, name_en, name_ja, brand, category, zone, unit, price)
ON CONFLICT (store_id, sku) DO UPDATE
SET ean = EXCLUDED.ean, name_en = EXCLUDED.name_en, name_ja = EXCLUDED.name_ja,
    brand = EXCLUDED.brand, category = EXCLUDED.category, zone = EXCLUDED.zone,
    unit = EXCLUDED.unit, price = EXCLUDED.price

-- name: set_prices
UPDATE orders.products AS p
SET price = c.price
FROM unnest($2::text[], $3::int[]) AS c (sku, price)
WHERE p.store_id = $1 AND p.sku = c.sku

-- name: catalog_version
SELECT coalesce((SELECT version FROM orders.catalog_versions WHERE store_id = $1), 0)

-- name: bump_catalog_version
INSERT INTO orders.catalog_versions (store_id, version) VALUES ($1, 1)
ON CONFLICT (store_id) DO UPDATE SET version = orders.catalog_versions.version + 1
