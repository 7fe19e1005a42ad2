-- A pickup order's QR code: only its version is kept (the code is an HMAC of store, order and
-- version, so it can be re-derived and needs no storage). A transfer raises the version, which
-- kills every earlier code. The row is created when the code is first shown.
CREATE TABLE orders.pickup_codes (
    store_id     text NOT NULL,
    order_id     text NOT NULL,
    version      int NOT NULL DEFAULT 1 CHECK (version >= 1),
    issued_at    timestamptz NOT NULL,  -- of the current version
    -- The latest transfer, as the shopper described it, for support ("whom did I send it to?").
    gift_phone   text,
    gift_note    text,
    collected_at timestamptz,
    collected_by text,                  -- the subject of the cashier's or manager's token
    PRIMARY KEY (store_id, order_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id),
    CHECK ((collected_at IS NULL) = (collected_by IS NULL))
);
