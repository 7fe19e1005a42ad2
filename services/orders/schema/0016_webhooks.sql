-- Outbound webhooks (services/orders/webhooks): endpoints a store's manager registers for chosen
-- topics, and one delivery per endpoint and event, filled from the event log by a consumer (so
-- none is lost, and none is sent for a change that rolled back), sent and retried by a job.
CREATE TABLE orders.webhook_endpoints (
    store_id    text NOT NULL REFERENCES orders.stores (store_id),
    endpoint_id text NOT NULL,
    url         text NOT NULL,
    topics      text[] NOT NULL CHECK (cardinality(topics) > 0),
    description text NOT NULL DEFAULT '',
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL,
    disabled_at timestamptz,
    PRIMARY KEY (store_id, endpoint_id)
);

-- next_at: when to try (again); NULL once delivered or given up (delivered_at says which).
CREATE TABLE orders.webhook_deliveries (
    store_id     text NOT NULL,
    endpoint_id  text NOT NULL,
    event_id     uuid NOT NULL,
    seq          bigint NOT NULL,
    topic        text NOT NULL,
    body         bytea NOT NULL,  -- exactly the bytes signed and sent, the same on every try
    attempts     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    next_at      timestamptz,
    last_at      timestamptz,
    last_status  int,
    last_error   text,
    delivered_at timestamptz,
    PRIMARY KEY (store_id, endpoint_id, event_id),
    FOREIGN KEY (store_id, endpoint_id) REFERENCES orders.webhook_endpoints (store_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON orders.webhook_deliveries (next_at)
    WHERE next_at IS NOT NULL;
