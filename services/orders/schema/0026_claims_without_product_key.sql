-- A stock claim's rows are written by orders.claim_stock alone, for the skus orders.reserve
-- has just updated under their row locks (all of the basket or none), and products are never
-- deleted: the foreign key to orders.products could not fail. Its check ran a trigger and took
-- a FOR KEY SHARE lock on each product the claim had just updated, beside other claims' locks
-- of the same rows (issue 19 part 1).
ALTER TABLE orders.stock_claims DROP CONSTRAINT stock_claims_store_id_sku_fkey;
