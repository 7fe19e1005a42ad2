-- name: upsert_products
-- Array columns travel as JSON texts (unnest cannot take an array of unequal arrays).
INSERT INTO orders.products
    (store_id, sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand,
     image_urls, description_en, description_ja, allergens, tax_class, reading)
SELECT :store_id, p.sku, p.ean, p.name_en, p.name_ja, p.brand, p.category, p.zone, p.unit,
       p.price, p.on_hand,
       ARRAY(SELECT jsonb_array_elements_text(p.image_urls::jsonb)), p.description_en,
       p.description_ja, ARRAY(SELECT jsonb_array_elements_text(p.allergens::jsonb)), p.tax_class,
       p.reading
FROM unnest(:sku::text[], :ean::text[], :name_en::text[], :name_ja::text[], :brand::text[],
            :category::text[], :zone::text[], :unit::text[], :price::int[], :on_hand::bigint[],
            :image_urls::text[], :description_en::text[], :description_ja::text[],
            :allergens::text[], :tax_class::text[], :reading::text[])
     AS p (sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, image_urls,
           description_en, description_ja, allergens, tax_class, reading)
ON CONFLICT (store_id, sku) DO UPDATE
SET ean = EXCLUDED.ean, name_en = EXCLUDED.name_en, name_ja = EXCLUDED.name_ja,
    brand = EXCLUDED.brand, category = EXCLUDED.category, zone = EXCLUDED.zone,
    unit = EXCLUDED.unit, price = EXCLUDED.price, on_hand = EXCLUDED.on_hand,
    image_urls = EXCLUDED.image_urls, description_en = EXCLUDED.description_en,
    description_ja = EXCLUDED.description_ja, allergens = EXCLUDED.allergens,
    tax_class = EXCLUDED.tax_class, reading = EXCLUDED.reading

-- name: count_products
SELECT count(*) FROM orders.products WHERE store_id = $1

-- name: search_products
-- One keyset page after (:after_tier, :after_key, :after_sku), every filter optional. Without
-- :q, products come in the caller's language's order (English names; Japanese readings). With
-- it, by relevance first, on text folded alike (orders.fold): the caller's language's name
-- starting with :q, then a word of it starting with :q, then containing it, then the other
-- language's name, then the brand.
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved,
       image_urls, description_en, description_ja, allergens, tax_class, reading, tier, sort_key
FROM (
    SELECT p.*,
           CASE WHEN :lang = 'ja' THEN p.sort_ja ELSE p.name_en END AS sort_key,
           CASE
               WHEN k.q IS NULL THEN 0
               WHEN starts_with(k.mine, k.q) OR (:lang = 'ja' AND starts_with(p.sort_ja, k.q))
                   THEN 0
               WHEN strpos(' ' || k.mine, ' ' || k.q) > 0 THEN 1
               WHEN strpos(k.mine, k.q) > 0 THEN 2
               WHEN strpos(k.theirs, k.q) > 0 THEN 3
               WHEN strpos(p.key_brand, k.q) > 0 THEN 4
           END AS tier
    FROM orders.products AS p
    CROSS JOIN LATERAL (
        SELECT CASE WHEN :lang = 'ja' THEN p.key_ja ELSE p.key_en END AS mine,
               CASE WHEN :lang = 'ja' THEN p.key_en ELSE p.key_ja END AS theirs,
               orders.fold(:q::text) AS q
    ) AS k
    WHERE p.store_id = :store_id
      AND (:category::text IS NULL OR p.category = :category)
      AND (:zone::text IS NULL OR p.zone = :zone)
) AS found
WHERE tier IS NOT NULL
  AND (:after_key::text IS NULL
       OR (tier, sort_key, sku) > (:after_tier::int, :after_key::text, :after_sku::text))
ORDER BY tier, sort_key, sku
LIMIT :limit

-- name: get_product
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved,
       image_urls, description_en, description_ja, allergens, tax_class, reading
FROM orders.products
WHERE store_id = $1 AND sku = $2

-- name: substitute_candidates
-- What could stand in for product :sku at all: another product sold in the same unit with at
-- least :quantity available. Only its category or the sku a preference names can qualify;
-- catalog/domain.py rank_substitutes applies the preference and ranks.
SELECT sku, ean, name_en, name_ja, brand, category, zone, unit, price, on_hand, reserved,
       image_urls, description_en, description_ja, allergens, tax_class, reading
FROM orders.products
WHERE store_id = :store_id AND sku <> :sku AND unit = :unit AND on_hand - reserved >= :quantity
  AND (category = :category OR sku = :named)

-- name: ean_owners
SELECT ean, sku FROM orders.products WHERE store_id = $1 AND ean = ANY($2::bpchar[])

-- name: define_products
-- Definitions only: a new product starts with no stock, and stock is never changed here. Array
-- columns travel as JSON, as in upsert_products.
INSERT INTO orders.products
    (store_id, sku, ean, name_en, name_ja, brand, category, zone, unit, price,
     image_urls, description_en, description_ja, allergens, tax_class, reading)
SELECT :store_id, p.sku, p.ean, p.name_en, p.name_ja, p.brand, p.category, p.zone, p.unit,
       p.price,
       ARRAY(SELECT jsonb_array_elements_text(p.image_urls::jsonb)), p.description_en,
       p.description_ja, ARRAY(SELECT jsonb_array_elements_text(p.allergens::jsonb)), p.tax_class,
       p.reading
FROM unnest(:sku::text[], :ean::text[], :name_en::text[], :name_ja::text[], :brand::text[],
            :category::text[], :zone::text[], :unit::text[], :price::int[],
            :image_urls::text[], :description_en::text[], :description_ja::text[],
            :allergens::text[], :tax_class::text[], :reading::text[])
     AS p (sku, ean, name_en, name_ja, brand, category, zone, unit, price, image_urls,
           description_en, description_ja, allergens, tax_class, reading)
ON CONFLICT (store_id, sku) DO UPDATE
SET ean = EXCLUDED.ean, name_en = EXCLUDED.name_en, name_ja = EXCLUDED.name_ja,
    brand = EXCLUDED.brand, category = EXCLUDED.category, zone = EXCLUDED.zone,
    unit = EXCLUDED.unit, price = EXCLUDED.price, image_urls = EXCLUDED.image_urls,
    description_en = EXCLUDED.description_en, description_ja = EXCLUDED.description_ja,
    allergens = EXCLUDED.allergens, tax_class = EXCLUDED.tax_class, reading = EXCLUDED.reading

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
