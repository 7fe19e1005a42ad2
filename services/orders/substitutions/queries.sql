-- name: record_proposal
INSERT INTO orders.substitutions (
    store_id, substitution_id, order_id, line_no, short_by, sku, name_en, name_ja, unit,
    quantity, unit_price, decide_by, reason, why)
VALUES (:store_id, :substitution_id, :order_id, :line_no, :short_by, :sku, :name_en, :name_ja,
        :unit, :quantity, :unit_price, :decide_by, :reason, :why)
ON CONFLICT DO NOTHING

-- name: lock_proposal
SELECT s.store_id, s.substitution_id, s.order_id, s.line_no, s.sku, s.decide_by, s.approved,
       s.decided_by, s.decided_at, l.substitution AS preference
FROM orders.substitutions s
JOIN orders.order_lines l
  ON l.store_id = s.store_id AND l.order_id = s.order_id AND l.line_no = s.line_no
WHERE s.order_id = $1 AND s.substitution_id = $2
FOR UPDATE OF s

-- name: decide
UPDATE orders.substitutions SET approved = $3, decided_by = $4, decided_at = $5
WHERE store_id = $1 AND substitution_id = $2

-- name: overdue
SELECT order_id, substitution_id FROM orders.substitutions
WHERE approved IS NULL AND decide_by < $1
ORDER BY decide_by
LIMIT $2
FOR UPDATE SKIP LOCKED

-- name: of_order
SELECT s.substitution_id, s.line_no, s.short_by, s.sku, s.name_en, s.name_ja, s.unit, s.quantity,
       s.unit_price, o.currency, s.decide_by, s.approved, s.decided_by, s.decided_at, s.reason,
       s.why
FROM orders.substitutions s
JOIN orders.orders o ON o.store_id = s.store_id AND o.order_id = s.order_id
WHERE s.store_id = $1 AND s.order_id = $2
ORDER BY decide_by
