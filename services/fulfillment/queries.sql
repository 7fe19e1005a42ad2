-- name: upsert_store
INSERT INTO fulfillment.stores (store_id, name, timezone, updated_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (store_id) DO UPDATE
SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, updated_at = EXCLUDED.updated_at

-- name: store_exists
SELECT EXISTS (SELECT 1 FROM fulfillment.stores WHERE store_id = $1)

-- name: upsert_bins
INSERT INTO fulfillment.bins (store_id, sku, zone, aisle, bay, shelf)
SELECT $1, b.sku, b.zone, b.aisle, b.bay, b.shelf
FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[]) AS b (sku, zone, aisle, bay, shelf)
ON CONFLICT (store_id, sku) DO UPDATE
SET zone = EXCLUDED.zone, aisle = EXCLUDED.aisle, bay = EXCLUDED.bay, shelf = EXCLUDED.shelf

-- name: list_bins
SELECT sku, zone, aisle, bay, shelf FROM fulfillment.bins WHERE store_id = $1

-- name: add_pickers
INSERT INTO fulfillment.pickers (store_id, picker_id, name)
SELECT $1, p.picker_id, p.name FROM unnest($2::text[], $3::text[]) AS p (picker_id, name)
ON CONFLICT (store_id, picker_id) DO UPDATE SET name = EXCLUDED.name

-- name: list_pickers
SELECT picker_id, name FROM fulfillment.pickers WHERE store_id = $1 ORDER BY picker_id
