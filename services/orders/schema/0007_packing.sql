-- What was packed against each ordered line, and what it was charged; substitutions proposed by
-- pickers and their decisions; Stripe webhook events already handled.
ALTER TABLE orders.order_lines
    ADD COLUMN picked bigint CHECK (picked >= 0),
    ADD COLUMN substitute_sku text,
    ADD COLUMN substitute_name_en text,
    ADD COLUMN substitute_name_ja text,
    ADD COLUMN substitute_unit text,
    ADD COLUMN substitute_quantity bigint,
    ADD COLUMN substitute_unit_price int,
    ADD COLUMN charged int CHECK (charged >= 0);

CREATE TABLE orders.substitutions (
    store_id        text NOT NULL,
    substitution_id text NOT NULL,
    order_id        text NOT NULL,
    line_no         int NOT NULL,
    short_by        bigint NOT NULL,
    sku             text NOT NULL,
    name_en         text NOT NULL,
    name_ja         text NOT NULL,
    unit            text NOT NULL,
    quantity        bigint NOT NULL,
    unit_price      int NOT NULL,
    decide_by       timestamptz NOT NULL,
    approved        boolean,
    decided_by      text CHECK (decided_by IN ('shopper', 'preference')),
    decided_at      timestamptz,
    PRIMARY KEY (store_id, substitution_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);
CREATE INDEX substitutions_undecided ON orders.substitutions (decide_by) WHERE approved IS NULL;

-- A refund is taken from a capture or a second charge: `source_id` names which.
ALTER TABLE orders.payments ADD COLUMN source_id text;

CREATE TABLE orders.stripe_events (
    event_id    text PRIMARY KEY,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
