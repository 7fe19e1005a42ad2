-- What a promise needs: the store's pace, and the orders it has yet to get out of the door.
ALTER TABLE delivery.stores
    ADD COLUMN orders_per_hour int NOT NULL DEFAULT 120 CHECK (orders_per_hour > 0),
    ADD COLUMN detour_factor double precision NOT NULL DEFAULT 1.35 CHECK (detour_factor >= 1),
    ADD COLUMN rider_speed_kmh double precision NOT NULL DEFAULT 15 CHECK (rider_speed_kmh > 0);

-- Orders placed and not yet out of the store, learnt from events (never from the orders schema).
CREATE TABLE delivery.backlog (
    store_id   text NOT NULL,
    order_id   text NOT NULL,
    fulfilment text NOT NULL,
    promise_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, order_id)
);
