-- Settling a packed order, one step after another, each in a short transaction of its own: the
-- money calls happen between them with no row locked, and the step recorded here is where a
-- retry (a crash, a redelivered event) picks up, so nothing is captured, charged or taken from
-- stock twice. `capture`: capture (or void) the authorization and book it; `charge`: the second
-- charge above the authorization; `stock`: take the packed goods from stock, mark the order
-- packed and announce the payment; `done`. The amounts are fixed when the order is packed.
CREATE TABLE orders.settlements (
    store_id      text NOT NULL,
    order_id      text NOT NULL,
    step          text NOT NULL CHECK (step IN ('capture', 'charge', 'stock', 'done')),
    total         int NOT NULL CHECK (total >= 0),
    capture       int NOT NULL CHECK (capture >= 0),
    second_charge int NOT NULL CHECK (second_charge >= 0),
    release       int NOT NULL CHECK (release >= 0),
    started_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, order_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);
