-- The live page counts each store's deliveries done in the last hour every second or so.
CREATE INDEX deliveries_done ON delivery.deliveries (store_id, done_at)
    WHERE status IN ('delivered', 'failed');
