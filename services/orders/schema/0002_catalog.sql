-- The store finder reads only the stores in a box around a point, as wide as the largest
-- delivery radius; the API enforced that radius from the start, now the table does too.
ALTER TABLE orders.stores ADD CONSTRAINT stores_radius_m_at_most_20_km CHECK (radius_m <= 20000);
CREATE INDEX stores_by_position ON orders.stores (lat, lng);

-- Catalog pages walk a store's products in name order (keyset pagination on name_en, sku).
CREATE INDEX products_by_name ON orders.products (store_id, name_en, sku);
