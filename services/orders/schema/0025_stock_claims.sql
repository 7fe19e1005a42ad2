-- A checkout claims its stock before it asks delivery for a promise (issue 19 part 4), so one
-- that cannot be served is refused at once instead of after a quote and a wait on the row.
-- The claim is a reservation (`reserved` counts it) committed on its own, the rows locked for
-- that one statement; the order's transaction takes it over (its rows deleted, `reserved`
-- kept), and a checkout that fails gives it back. A claim whose checkout died in between is
-- given back by the sweep once it expires, so a crash never holds stock for longer.
CREATE TABLE orders.stock_claims (
    store_id   text NOT NULL,
    claim_id   text NOT NULL,
    sku        text NOT NULL,
    quantity   bigint NOT NULL CHECK (quantity > 0),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, claim_id, sku),
    FOREIGN KEY (store_id, sku) REFERENCES orders.products (store_id, sku)
);
CREATE INDEX stock_claims_expiry ON orders.stock_claims (expires_at);

-- Reserve all of the basket or none (orders.reserve: it never waits holding a row) and, if all,
-- record the claim. Returns the skus short (empty: claimed).
CREATE FUNCTION orders.claim_stock(
    p_store_id text, p_claim_id text, p_skus text[], p_quantities bigint[],
    p_expires_at timestamptz
)
RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    short text[];
BEGIN
    short := orders.reserve(p_store_id, p_skus, p_quantities);
    IF cardinality(short) = 0 THEN
        INSERT INTO orders.stock_claims (store_id, claim_id, sku, quantity, expires_at)
        SELECT p_store_id, p_claim_id, r.sku, r.quantity, p_expires_at
        FROM unnest(p_skus, p_quantities) AS r (sku, quantity);
    END IF;
    RETURN short;
END
$$;
