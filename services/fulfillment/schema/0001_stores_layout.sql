CREATE SCHEMA fulfillment;

-- Fulfillment's own copy of each store, kept from `store.updated` (orders owns stores).
CREATE TABLE fulfillment.stores (
    store_id   text PRIMARY KEY,
    name       text NOT NULL,
    timezone   text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Where each product sits: the pick path walks bins by (aisle, bay, shelf).
CREATE TABLE fulfillment.bins (
    store_id text NOT NULL,
    sku      text NOT NULL,
    zone     text NOT NULL CHECK (zone IN ('ambient', 'chilled', 'frozen', 'produce')),
    aisle    int NOT NULL CHECK (aisle > 0),
    bay      int NOT NULL CHECK (bay > 0),
    shelf    int NOT NULL CHECK (shelf > 0),
    PRIMARY KEY (store_id, sku)
);

CREATE TABLE fulfillment.pickers (
    store_id  text NOT NULL,
    picker_id text NOT NULL,
    name      text NOT NULL,
    PRIMARY KEY (store_id, picker_id)
);
