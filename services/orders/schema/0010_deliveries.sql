-- A delivery order followed to the door (`order.out_for_delivery`, `order.delivered`,
-- `delivery.failed`): a failed delivery is a status of its own, its reason is the order's
-- `failure` as a cancellation's is. The rider who carries the order and when they should be at
-- the door (as planned when they left), the proof of the handover, and the rider's note on a
-- failure: NULL until delivery says so, and for pickups.
ALTER TABLE orders.orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders.orders ADD CONSTRAINT orders_status_check CHECK (status IN (
    'awaiting_payment', 'payment_failed', 'expired', 'placed', 'picking', 'picked', 'packed',
    'out_for_delivery', 'delivered', 'delivery_failed', 'ready_for_pickup', 'collected',
    'cancelled'));

ALTER TABLE orders.orders
    ADD COLUMN rider_id           text,
    ADD COLUMN delivery_eta       timestamptz,
    ADD COLUMN delivery_proof     text CHECK (delivery_proof IN ('code', 'photo')),
    ADD COLUMN delivery_photo_ref text,
    ADD COLUMN delivery_note      text;
