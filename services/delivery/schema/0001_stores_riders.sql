CREATE SCHEMA delivery;

-- Delivery's own copy of each store's zone, kept from `store.updated` (orders owns stores).
CREATE TABLE delivery.stores (
    store_id   text PRIMARY KEY,
    name       text NOT NULL,
    lat        double precision NOT NULL,
    lng        double precision NOT NULL,
    radius_m   int NOT NULL CHECK (radius_m > 0),
    updated_at timestamptz NOT NULL
);

CREATE TABLE delivery.riders (
    store_id text NOT NULL,
    rider_id text NOT NULL,
    name     text NOT NULL,
    PRIMARY KEY (store_id, rider_id)
);
