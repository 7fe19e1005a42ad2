-- A member's reason to come back online after a visit to the store (issue 18): one nudge per
-- visit at most (a till or scan-and-go sale, a pickup collected), queued in the transaction that
-- heard of the visit and sent by a job through the notifier; then whether it was opened, and the
-- online order that followed within the store's window.
CREATE TABLE orders.nudges (
    store_id      text NOT NULL REFERENCES orders.stores (store_id),
    nudge_id      text NOT NULL,
    member_id     text NOT NULL,
    visit         text NOT NULL,  -- the sale or the collected order
    kind          text NOT NULL CHECK (kind IN (
        'deliver_next_time', 'back_in_stock', 'liked_substitute')),
    channel       text NOT NULL CHECK (channel IN ('push', 'sms')),
    skus          text[] NOT NULL,
    message       text NOT NULL,
    created_at    timestamptz NOT NULL,
    sent_at       timestamptz,
    withheld      text CHECK (withheld IN ('opted_out', 'ordered')),
    opened_at     timestamptz,
    order_id      text,
    ordered_at    timestamptz,
    PRIMARY KEY (store_id, nudge_id),
    UNIQUE (store_id, visit),
    CHECK (sent_at IS NULL OR withheld IS NULL),
    CHECK (opened_at IS NULL OR sent_at IS NOT NULL),
    CHECK ((order_id IS NULL) = (ordered_at IS NULL))
);
CREATE INDEX nudges_by_id ON orders.nudges (nudge_id);  -- a uuid7: unique without a key
CREATE INDEX nudges_due ON orders.nudges (created_at) WHERE sent_at IS NULL AND withheld IS NULL;
CREATE INDEX nudges_by_member ON orders.nudges (member_id, created_at DESC);
CREATE INDEX nudges_by_store ON orders.nudges (store_id, created_at);
