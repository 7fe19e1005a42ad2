-- Throttles: one row per counter (a device's wrong PINs, a client address's code sends, every
-- code send of a service), locked while a request is judged against it, so that concurrent
-- requests are counted one after the other. A row says nothing once `expires_at` has passed.
CREATE TABLE kernel.throttles (
    service    text NOT NULL,
    bucket     text NOT NULL,
    hits       int NOT NULL DEFAULT 0,
    since      timestamptz,  -- the first hit counted now (a rate's window opens here)
    last_at    timestamptz,  -- the latest hit (a backoff waits from here)
    expires_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, bucket)
);
CREATE INDEX throttles_expiry ON kernel.throttles (expires_at);

