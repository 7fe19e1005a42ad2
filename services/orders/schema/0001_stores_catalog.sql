CREATE SCHEMA orders;

CREATE TABLE orders.stores (
    store_id   text PRIMARY KEY,
    name       text NOT NULL,
    lat        double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng        double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    radius_m   int NOT NULL CHECK (radius_m > 0),
    currency   char(3) NOT NULL,
    timezone   text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- One stock per store for every channel. Quantities are in the product's base unit: pieces for
-- `each`, grams for `kg`; price is minor units per piece or per kilogram.
CREATE TABLE orders.products (
    store_id text NOT NULL REFERENCES orders.stores (store_id),
    sku      text NOT NULL,
    ean      char(13) NOT NULL,
    name_en  text NOT NULL,
    name_ja  text NOT NULL,
    brand    text NOT NULL,
    category text NOT NULL,
    zone     text NOT NULL CHECK (zone IN ('ambient', 'chilled', 'frozen', 'produce')),
    unit     text NOT NULL CHECK (unit IN ('each', 'kg')),
    price    int NOT NULL CHECK (price >= 0),
    on_hand  bigint NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    PRIMARY KEY (store_id, sku),
    UNIQUE (store_id, ean)
);
CREATE INDEX products_by_category ON orders.products (store_id, category);
