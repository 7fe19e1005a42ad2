-- Quotes that refused a promise or made one later than 30 minutes, and why: the manager's live
-- page counts the last hour's by cause. One row per such quote, nothing for a promise kept, so
-- a quote at peak pays one insert only when the store is already behind.
CREATE TABLE delivery.late_quotes (
    store_id   text NOT NULL,
    at         timestamptz NOT NULL,
    quote_id   uuid NOT NULL,
    fulfilment text NOT NULL CHECK (fulfilment IN ('delivery', 'pickup')),
    cause      text NOT NULL CHECK (cause IN ('no_rider', 'riders_short', 'floor_queue', 'long_trip')),
    promise_at timestamptz,  -- null: refused
    reason     text NOT NULL,
    PRIMARY KEY (store_id, at, quote_id)
);
