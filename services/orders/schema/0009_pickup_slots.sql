-- Where a packed pickup order's bags wait for the shopper (fulfillment's staging slot, from
-- `order.ready_for_pickup`); NULL until they are staged, and for deliveries.
ALTER TABLE orders.orders ADD COLUMN pickup_slot text;
