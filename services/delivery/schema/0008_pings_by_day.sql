-- Rider pings are the largest table by far (a ping every 15 s per rider on shift: about 17
-- million rows a day for a 300-store chain) and are only ever appended, so they are kept in
-- one partition a day and a day past its retention is dropped whole (shared/retention): no
-- row-by-row delete, no vacuum, no index on time to keep up on the hottest insert.
-- The table so far becomes the DEFAULT partition, without copying a row. It also takes pings
-- of a day that has no partition of its own (made a week ahead by the delivery service) and is
-- trimmed in batches, by this index.
ALTER TABLE delivery.pings RENAME TO pings_default;
ALTER INDEX delivery.pings_pkey RENAME TO pings_default_pkey;
CREATE TABLE delivery.pings (
    store_id text NOT NULL,
    rider_id text NOT NULL,
    at       timestamptz NOT NULL,
    lat      double precision NOT NULL,
    lng      double precision NOT NULL,
    PRIMARY KEY (store_id, rider_id, at)
) PARTITION BY RANGE (at);
ALTER TABLE delivery.pings ATTACH PARTITION delivery.pings_default DEFAULT;
CREATE INDEX pings_default_by_time ON delivery.pings_default (at);
