-- Online orders, their lines, every stage's time, and the payment ledger (the source of truth
-- for money). Per-store checkout rules live on the store.
ALTER TABLE orders.stores
    ADD COLUMN weighed_buffer_pct int NOT NULL DEFAULT 15 CHECK (weighed_buffer_pct BETWEEN 0 AND 100),
    ADD COLUMN unpaid_timeout_s int NOT NULL DEFAULT 600 CHECK (unpaid_timeout_s > 0),
    ADD COLUMN substitution_timeout_s int NOT NULL DEFAULT 300 CHECK (substitution_timeout_s > 0);

CREATE TABLE orders.orders (
    store_id          text NOT NULL REFERENCES orders.stores (store_id),
    order_id          text NOT NULL UNIQUE,
    member_id         text NOT NULL,
    idempotency_key   text NOT NULL,
    fulfilment        text NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    address_text      text,
    address_lat       double precision,
    address_lng       double precision,
    status            text NOT NULL CHECK (status IN (
        'awaiting_payment', 'payment_failed', 'expired', 'placed', 'picking', 'picked', 'packed',
        'out_for_delivery', 'delivered', 'ready_for_pickup', 'collected', 'cancelled')),
    currency          char(3) NOT NULL,
    estimate          int NOT NULL CHECK (estimate >= 0),
    to_authorize      int NOT NULL CHECK (to_authorize >= estimate),
    promise_at        timestamptz NOT NULL,
    payment_intent_id text,
    client_secret     text,
    pay_by            timestamptz NOT NULL,
    failure           text,
    PRIMARY KEY (store_id, order_id),
    UNIQUE (member_id, idempotency_key),
    CHECK ((fulfilment = 'delivery') = (address_text IS NOT NULL))
);
CREATE INDEX orders_by_member ON orders.orders (member_id, order_id DESC);
CREATE INDEX orders_awaiting_payment ON orders.orders (pay_by) WHERE status = 'awaiting_payment';

-- quantity: pieces for `each`, grams for `kg`; unit_price per piece or per kilogram.
CREATE TABLE orders.order_lines (
    store_id     text NOT NULL,
    order_id     text NOT NULL,
    line_no      int NOT NULL,
    sku          text NOT NULL,
    name_en      text NOT NULL,
    name_ja      text NOT NULL,
    zone         text NOT NULL,
    unit         text NOT NULL CHECK (unit IN ('each', 'kg')),
    quantity     bigint NOT NULL CHECK (quantity > 0),
    unit_price   int NOT NULL CHECK (unit_price >= 0),
    estimate     int NOT NULL CHECK (estimate >= 0),
    substitution text NOT NULL,
    PRIMARY KEY (store_id, order_id, line_no),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);

CREATE TABLE orders.order_stages (
    store_id text NOT NULL,
    order_id text NOT NULL,
    stage    text NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (store_id, order_id, stage),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);

-- Every money movement, with the gateway's id: what the shopper was authorized, charged,
-- released and refunded is the sum of these rows, never a column someone forgot to update.
CREATE TABLE orders.payments (
    store_id   text NOT NULL,
    order_id   text NOT NULL,
    entry_id   uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN (
        'authorize', 'authorize_failed', 'capture', 'release', 'charge', 'refund')),
    amount     int NOT NULL CHECK (amount >= 0),
    currency   char(3) NOT NULL,
    gateway_id text,
    at         timestamptz NOT NULL,
    PRIMARY KEY (store_id, order_id, entry_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);
