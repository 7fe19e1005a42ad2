-- Past one machine (README): every key of a store's data leads with store_id. A delivery is
-- found by its order id alone (the shopper's token names no store) through a plain index; a
-- wrong hand-over code is a row of its own, keyed within its store.
DROP INDEX delivery.deliveries_by_order;
CREATE INDEX deliveries_by_order ON delivery.deliveries (order_id);
ALTER TABLE delivery.code_failures ADD COLUMN failure_id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE delivery.code_failures ADD PRIMARY KEY (store_id, order_id, failure_id);
DROP INDEX delivery.code_failures_by_order;
