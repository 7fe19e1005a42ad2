-- Orders staff placed on a member's behalf (issue 18): who placed them, how the member pays (by
-- card at the counter, or at the door to the rider: such an order has no PaymentIntent), and the
-- codes the receipt prints: the tracking code anyone holding the receipt follows the order by
-- (no account), and, for a delivery, the hand-over code the rider takes at the door (delivery
-- learns it from `order.placed`).
CREATE TABLE orders.on_behalf (
    store_id      text NOT NULL,
    order_id      text NOT NULL,
    placed_by     text NOT NULL,  -- the cashier's or manager's token subject
    payment       text NOT NULL CHECK (payment IN ('counter_card', 'on_delivery')),
    tracking_code text NOT NULL,
    handover_code text,
    placed_at     timestamptz NOT NULL,
    PRIMARY KEY (store_id, order_id),
    UNIQUE (store_id, tracking_code),
    FOREIGN KEY (store_id, order_id) REFERENCES orders.orders (store_id, order_id)
);
-- Tracking asks by the code alone: 50 random bits, unique in practice across the chain (a key
-- leads with store_id, README's past one machine).
CREATE INDEX on_behalf_by_tracking_code ON orders.on_behalf (tracking_code);
