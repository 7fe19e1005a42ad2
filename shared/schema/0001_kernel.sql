-- The kernel: the event log with its durable consumers, and stored Idempotency-Key responses.
CREATE SCHEMA kernel;

-- Append-only log. seq orders events; per key it is also commit order, because publish holds a
-- transaction-scoped advisory lock on the key from before its insert until commit.
CREATE TABLE kernel.events (
    id           uuid PRIMARY KEY,
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    topic        text NOT NULL,
    key          text NOT NULL,
    version      int NOT NULL,
    payload      jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Durable named consumers and the topics they follow; written by `omo migrate` and at start.
CREATE TABLE kernel.subscriptions (
    consumer   text NOT NULL,
    topic      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic)
);
CREATE INDEX subscriptions_by_topic ON kernel.subscriptions (topic);

-- One row per (consumer, event) still to be handled, fanned out at publish time. A consumer
-- instance locks rows FOR UPDATE SKIP LOCKED and deletes each in the transaction that handles it.
CREATE TABLE kernel.deliveries (
    consumer        text NOT NULL,
    seq             bigint NOT NULL,
    event_id        uuid NOT NULL REFERENCES kernel.events (id),
    key             text NOT NULL,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    PRIMARY KEY (consumer, seq)
);
CREATE INDEX deliveries_by_key ON kernel.deliveries (consumer, key, seq);

-- Event ids each consumer has handled, written in the handler's own transaction.
CREATE TABLE kernel.handled_events (
    consumer   text NOT NULL,
    event_id   uuid NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Deliveries that failed bus_max_attempts times; `omo events retry` moves them back.
CREATE TABLE kernel.dead_letters (
    consumer   text NOT NULL,
    seq        bigint NOT NULL,
    event_id   uuid NOT NULL REFERENCES kernel.events (id),
    key        text NOT NULL,
    attempts   int NOT NULL,
    last_error text NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, seq)
);

-- The first response to a creating POST, per service, caller and key, kept for 24 hours.
CREATE TABLE kernel.idempotency_keys (
    service     text NOT NULL,
    caller      text NOT NULL,
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    status      int,
    body        bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (service, caller, key)
);
CREATE INDEX idempotency_keys_expiry ON kernel.idempotency_keys (expires_at);
