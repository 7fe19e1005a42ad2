-- A remembered response may be a problem (a payment that failed after the order was stored).
ALTER TABLE kernel.idempotency_keys
    ADD COLUMN media_type text NOT NULL DEFAULT 'application/json';
