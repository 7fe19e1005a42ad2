-- Wrong hand-over codes tried for an order. Kept apart from the delivery row, and written in
-- a transaction of its own, so the refusal that rolls the request back still counts the try.
CREATE TABLE delivery.code_failures (
    store_id text NOT NULL,
    order_id text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX code_failures_by_order ON delivery.code_failures (store_id, order_id);
