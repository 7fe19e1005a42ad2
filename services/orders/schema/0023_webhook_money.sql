-- Webhook deliveries keep the body they send (0016), made before events carried money as
-- `{amount, currency}` (kernel/0008): a redelivery after the upgrade sends the new shape, the
-- one the document's `webhooks:` section describes. A substitute's currency is its order's.
WITH sent AS (
    SELECT d.store_id, d.endpoint_id, d.event_id, d.topic,
           convert_from(d.body, 'UTF8')::jsonb AS body
    FROM orders.webhook_deliveries d
    WHERE d.topic IN (
        'order.placed', 'order.packed', 'substitution.proposed', 'payment.captured',
        'payment.refunded'
    )
), rewritten AS (
    SELECT sent.store_id, sent.endpoint_id, sent.event_id,
           jsonb_set(sent.body, '{data}', kernel.money_v2(sent.topic, sent.body -> 'data', coalesce(
               (SELECT o.currency FROM orders.orders o
                WHERE o.store_id = sent.store_id AND o.order_id = sent.body -> 'data' ->> 'order_id'),
               (SELECT s.currency FROM orders.stores s WHERE s.store_id = sent.store_id)
           ))) AS body
    FROM sent
)
UPDATE orders.webhook_deliveries d
SET body = convert_to(rewritten.body::text, 'UTF8')
FROM rewritten
WHERE (d.store_id, d.endpoint_id, d.event_id)
    = (rewritten.store_id, rewritten.endpoint_id, rewritten.event_id);
