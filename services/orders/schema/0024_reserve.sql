-- A checkout's reservation as one server-side call (issue 19): one round trip, and a checkout
-- never waits holding a stock row, so a hot sku's refusals do not queue behind each other and
-- no lock order can deadlock it.
--
-- Returns the skus there was not enough of (empty: all reserved, the rows locked to commit).
-- 1. Lock every row without waiting (in a block of its own, a subtransaction) and reserve
--    where enough is left. A basket short under the lock is refused, and its block rolled
--    back: it lets go of its rows inside the server, not a client round trip later.
-- 2. Some row is held by another transaction: if what was last committed cannot serve the
--    basket, it is refused at once, without waiting for the holder.
-- 3. Else wait for each row's holder in turn, holding none (each row is locked and let go at
--    once), and go back to 1. The lock and statement timeouts bound the wait.
CREATE FUNCTION orders.reserve(p_store_id text, p_skus text[], p_quantities bigint[])
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
            FOR UPDATE NOWAIT;
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
                FOR UPDATE;
                RAISE EXCEPTION 'let go' USING ERRCODE = 'OM000';
            EXCEPTION
                WHEN SQLSTATE 'OM000' THEN
                    NULL;
            END;
        END LOOP;
    END LOOP;
END
$$;
