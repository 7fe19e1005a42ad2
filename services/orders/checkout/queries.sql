-- name: offer
-- The store's rules and what it sells of the basket (:skus, with the :quantities wanted), and
-- its stock claimed, in one trip: a row per sku found (the store's columns repeated), or one
-- row with no sku when it sells none of them (and with no store either when there is none).
-- `available` is read without a lock, as of the last commit. Only when that leaves enough of every sku is the stock claimed, in the same
-- statement (orders.claim_stock, schema/0025_stock_claims.sql: committed with the statement,
-- the rows locked for it alone): `short` is then the skus short under the lock (empty:
-- claimed), and NULL when no claim was tried (a sku sold out as last committed, or not sold).
-- `key_seen`: whether any request stored the request's Idempotency-Key (:service, :caller,
-- :key; the kernel's row, shared/web/idempotency.py), so a first request can store its order
-- and answer in one statement and a repeat goes the way that replays. `erased`: whether
-- member :member_id deleted their account (the guard leaves that to this statement): then
-- nothing is claimed, and checkout refuses the token.
WITH member AS MATERIALIZED (
    SELECT EXISTS (
        SELECT FROM orders.members WHERE member_id = :member_id AND erased_at IS NOT NULL
    ) AS erased
), basket AS MATERIALIZED (
    SELECT s.currency, s.weighed_buffer_pct, s.unpaid_timeout_s, s.lat, s.lng,
           p.sku, p.name_en, p.name_ja, p.zone, p.unit, p.price, p.tax_class,
           p.on_hand - p.reserved AS available
    FROM orders.stores s
    LEFT JOIN orders.products p ON p.store_id = s.store_id AND p.sku = ANY (:skus::text[])
    WHERE s.store_id = :store_id
), claimed AS MATERIALIZED (
    SELECT orders.claim_stock(
        :store_id, :claim_id, :skus::text[], :quantities::bigint[], :expires_at::timestamptz
    ) AS short
    WHERE NOT (SELECT erased FROM member) AND cardinality(:skus::text[]) = (
        SELECT count(*)
        FROM basket b
        JOIN unnest(:skus::text[], :quantities::bigint[]) AS w (sku, quantity)
          ON w.sku = b.sku AND w.quantity > 0 AND b.available >= w.quantity
    )
)
SELECT b.*, (SELECT short FROM claimed) AS short,
       EXISTS (
           SELECT FROM kernel.idempotency_keys
           WHERE service = :service AND caller = :caller AND key = :key
       ) AS key_seen,
       m.erased
FROM member m LEFT JOIN basket b ON true
