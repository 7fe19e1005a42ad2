-- Past one machine (README): every unique key of a store's data leads with store_id, so the
-- schema distributes by store (Citus) unchanged. Ids are uuid7s, unique without a constraint;
-- looking one up by its id alone (a shopper's order, a cart, a sale) keeps an index. A member's
-- Idempotency-Key is unique per store: the kernel's key table already refuses its replay.
ALTER TABLE orders.orders DROP CONSTRAINT orders_order_id_key;
CREATE INDEX orders_by_id ON orders.orders (order_id);
ALTER TABLE orders.orders DROP CONSTRAINT orders_member_id_idempotency_key_key;
ALTER TABLE orders.orders
    ADD CONSTRAINT orders_member_key UNIQUE (store_id, member_id, idempotency_key);
CREATE INDEX orders_by_member_key ON orders.orders (member_id, idempotency_key);
ALTER TABLE orders.sales DROP CONSTRAINT sales_sale_id_key;
CREATE INDEX sales_by_id ON orders.sales (sale_id);
ALTER TABLE orders.carts DROP CONSTRAINT carts_cart_id_key;
CREATE INDEX carts_by_id ON orders.carts (cart_id);
