-- Every stock writer locks its rows first in sku order (the materialized CTE, or lock_stock): an
-- UPDATE alone locks in whatever order its plan reads the table, and two baskets sharing skus
-- would deadlock.

-- name: reserve
-- The skus short (empty: all reserved); orders.reserve (schema/0024_reserve.sql) says how it
-- locks, waits and refuses.
SELECT orders.reserve(:store_id, :skus::text[], :quantities::bigint[])

-- name: release
WITH locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = :store_id AND sku = ANY(:skus::text[])
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET reserved = greatest(p.reserved - r.quantity, 0)
FROM unnest(:skus::text[], :quantities::bigint[]) AS r (sku, quantity), locked
WHERE p.store_id = :store_id AND p.sku = r.sku AND locked.sku = r.sku

-- name: take_from_stock
-- What left the shelf leaves on_hand (never below 0), and the reservation it was held by is let
-- go: a packed order's goods, or a till sale's (which lets go of nothing: the till rule).
WITH locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = :store_id AND sku = ANY(:skus::text[])
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET on_hand = greatest(p.on_hand - r.taken, 0), reserved = greatest(p.reserved - r.unreserve, 0)
FROM unnest(:skus::text[], :taken::bigint[], :unreserve::bigint[]) AS r (sku, taken, unreserve),
     locked
WHERE p.store_id = :store_id AND p.sku = r.sku AND locked.sku = r.sku

-- name: lock_stock
-- For writers that check before they write (a stock take, new definitions, new prices).
SELECT sku, unit, on_hand, reserved
FROM orders.products
WHERE store_id = :store_id AND sku = ANY(:skus::text[])
ORDER BY sku
FOR UPDATE

-- name: set_on_hand
-- After a stock take; the caller holds the rows (lock_stock) and checked the counts.
UPDATE orders.products AS p
SET on_hand = c.on_hand
FROM unnest(:skus::text[], :on_hand::bigint[]) AS c (sku, on_hand)
WHERE p.store_id = :store_id AND p.sku = c.sku

-- name: release_claim
-- What the claim reserved is let go of (nothing, if an order took it or it was let go of).
WITH gone AS (
    DELETE FROM orders.stock_claims
    WHERE store_id = :store_id AND claim_id = :claim_id
    RETURNING sku, quantity
),
locked AS MATERIALIZED (
    SELECT sku FROM orders.products
    WHERE store_id = :store_id AND sku IN (SELECT sku FROM gone)
    ORDER BY sku
    FOR UPDATE
)
UPDATE orders.products p
SET reserved = greatest(p.reserved - gone.quantity, 0)
FROM gone, locked
WHERE p.store_id = :store_id AND p.sku = gone.sku AND locked.sku = gone.sku

-- name: expired_claims
SELECT DISTINCT store_id, claim_id
FROM orders.stock_claims
WHERE expires_at < :now
LIMIT :limit
