-- name: ledger
SELECT kind, amount, currency, gateway_id, source_id, at
FROM orders.payments WHERE store_id = $1 AND order_id = $2 ORDER BY at, entry_id

-- name: add_ledger
INSERT INTO orders.payments
    (store_id, order_id, entry_id, kind, amount, currency, gateway_id, at, source_id)
VALUES (:store_id, :order_id, :entry_id, :kind, :amount, :currency, :gateway_id, :at, :source_id)

-- name: start_settlement
-- A packed order's settlement, planned once: a second report of the same packing finds the
-- first plan.
INSERT INTO orders.settlements (store_id, order_id, step, total, capture, second_charge, release)
VALUES (:store_id, :order_id, :step, :total, :capture, :second_charge, :release)
ON CONFLICT (store_id, order_id) DO NOTHING

-- name: settlement
SELECT step, total, capture, second_charge, release
FROM orders.settlements WHERE store_id = $1 AND order_id = $2

-- name: advance_settlement
-- From one step to the next, once: whoever gets the row first moves it on and books the step,
-- whoever comes after finds it moved (and its row locked to the end of the first's transaction).
UPDATE orders.settlements SET step = $4, updated_at = now()
WHERE store_id = $1 AND order_id = $2 AND step = $3
RETURNING true

-- name: first_seen_event
-- A Stripe event, recorded once: a redelivery (Stripe delivers at least once) finds it here.
INSERT INTO orders.stripe_events (event_id, type) VALUES (:event_id, :kind)
ON CONFLICT DO NOTHING
RETURNING true
