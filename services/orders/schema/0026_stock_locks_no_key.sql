-- Stock writers lock products FOR NO KEY UPDATE, the lock their own UPDATE of `reserved` or
-- `on_hand` takes anyway, not FOR UPDATE, which also waits for (and blocks) the FOR KEY SHARE
-- lock a foreign key check takes on a referenced product, such as each new stock claim row's
-- (issue 19 part 1). Writers still queue on each other: NO KEY UPDATE conflicts with itself.
-- The stock queries (stock/queries.sql) lock the same way.
CREATE OR REPLACE FUNCTION orders.reserve(p_store_id text, p_skus text[], p_quantities bigint[])
RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    short text[];
    held text;
BEGIN
    LOOP
        BEGIN
            PERFORM 1 FROM orders.products
            WHERE store_id = p_store_id AND sku = ANY (p_skus)
            ORDER BY sku
            FOR NO KEY UPDATE NOWAIT;
            WITH taken AS (
                UPDATE orders.products p
                SET reserved = p.reserved + r.quantity
                FROM unnest(p_skus, p_quantities) AS r (sku, quantity)
                WHERE p.store_id = p_store_id AND p.sku = r.sku
                  AND p.on_hand - p.reserved >= r.quantity
                RETURNING p.sku
            )
            SELECT array_agg(s ORDER BY s) INTO short
            FROM unnest(p_skus) AS s
            WHERE s NOT IN (SELECT sku FROM taken);
            IF short IS NOT NULL THEN
                RAISE EXCEPTION 'short' USING ERRCODE = 'OM409';
            END IF;
            RETURN '{}';
        EXCEPTION
            WHEN SQLSTATE 'OM409' THEN
                RETURN short;
            WHEN lock_not_available THEN
                NULL;
        END;
        SELECT array_agg(r.sku ORDER BY r.sku) INTO short
        FROM unnest(p_skus, p_quantities) AS r (sku, quantity)
        LEFT JOIN orders.products p ON p.store_id = p_store_id AND p.sku = r.sku
        WHERE p.sku IS NULL OR p.on_hand - p.reserved < r.quantity;
        IF short IS NOT NULL THEN
            RETURN short;
        END IF;
        FOR held IN SELECT s FROM unnest(p_skus) AS s ORDER BY s LOOP
            BEGIN
                PERFORM 1 FROM orders.products
                WHERE store_id = p_store_id AND sku = held
                FOR NO KEY UPDATE;
                RAISE EXCEPTION 'let go' USING ERRCODE = 'OM000';
            EXCEPTION
                WHEN SQLSTATE 'OM000' THEN
                    NULL;
            END;
        END LOOP;
    END LOOP;
END
$$;
