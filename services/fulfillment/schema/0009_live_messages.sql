-- What the handhelds' stream sends (live.py), kept as each store's log so that a handheld
-- reconnecting with Last-Event-ID is sent what it missed. seq is commit order per store: the
-- append holds the store's advisory lock to commit, as the bus's publish does per key.
CREATE TABLE fulfillment.live_messages (
    store_id  text NOT NULL,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    id        uuid NOT NULL,
    picker_id text,  -- for this picker's screen alone; null for every screen of the store
    topic     text NOT NULL,
    data      jsonb NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (store_id, seq)
);
-- Trimmed oldest first once past OMO_RETAIN_EVENTS_DAYS (retention.py).
CREATE INDEX live_messages_by_time ON fulfillment.live_messages (at);
