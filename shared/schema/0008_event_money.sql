-- Events carry money in the one shape the HTTP API answers with, `{amount, currency}` in minor
-- units (shared/events, v2 of these topics): `payment.captured` and `payment.refunded` had a
-- bare integer `amount` beside a `currency`, `order.placed` a bare `unit_price` per line and the
-- order's `currency` beside the lines, `order.packed` and `substitution.proposed` a bare
-- `unit_price` on the substitute. The events already in the log are rewritten here, so that a
-- consumer replaying them after the upgrade decodes them with the new structs.

-- `thing` with its `field` as {amount, currency}, when it is still a bare number.
CREATE FUNCTION kernel.priced(thing jsonb, field text, currency text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(thing -> field) = 'number'
                THEN thing || jsonb_build_object(
                    field, jsonb_build_object('amount', thing -> field, 'currency', currency))
                ELSE thing END
$$;

-- A v1 payload of `topic` in the v2 shape; `currency` is the order's, for the topics whose v1
-- payload did not say it. Money already in shape is left alone, so the rewrite can run on
-- anything that holds a payload (orders' webhook deliveries, orders/0023, call it too).
CREATE FUNCTION kernel.money_v2(topic text, payload jsonb, currency text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN topic IN ('payment.captured', 'payment.refunded') THEN
            kernel.priced(payload, 'amount', payload ->> 'currency') - 'currency'
        WHEN topic = 'order.placed' THEN
            payload - 'currency' || jsonb_build_object('lines', coalesce((
                SELECT jsonb_agg(
                    kernel.priced(line, 'unit_price', coalesce(payload ->> 'currency', currency))
                    ORDER BY n)
                FROM jsonb_array_elements(payload -> 'lines') WITH ORDINALITY AS l(line, n)
            ), '[]'::jsonb))
        WHEN topic = 'order.packed' THEN
            payload || jsonb_build_object('lines', coalesce((
                SELECT jsonb_agg(
                    CASE WHEN jsonb_typeof(line -> 'substitute') = 'object'
                         THEN line || jsonb_build_object('substitute', kernel.priced(
                             line -> 'substitute', 'unit_price', currency))
                         ELSE line END
                    ORDER BY n)
                FROM jsonb_array_elements(payload -> 'lines') WITH ORDINALITY AS l(line, n)
            ), '[]'::jsonb))
        WHEN topic = 'substitution.proposed' THEN
            payload || jsonb_build_object(
                'substitute', kernel.priced(payload -> 'substitute', 'unit_price', currency))
        ELSE payload
    END
$$;

-- A substitute's currency is its order's: `order.placed` of the same key said it (v1 beside the
-- lines), else the store's latest `store.updated`; the log may have trimmed both, and every
-- store before this release sold in yen (as fulfillment/0010 found for pick tasks).
WITH said AS (
    SELECT e.id, coalesce(
        (SELECT p.payload ->> 'currency' FROM kernel.events p
         WHERE p.topic = 'order.placed' AND p.key = e.key ORDER BY p.seq LIMIT 1),
        (SELECT s.payload ->> 'currency' FROM kernel.events s
         WHERE s.topic = 'store.updated' AND s.key = e.payload ->> 'store_id'
         ORDER BY s.seq DESC LIMIT 1),
        'JPY') AS currency
    FROM kernel.events e
    WHERE e.topic IN ('order.packed', 'substitution.proposed') AND e.version = 1
)
UPDATE kernel.events e
SET payload = kernel.money_v2(e.topic, e.payload, said.currency), version = 2
FROM said WHERE said.id = e.id;

UPDATE kernel.events
SET payload = kernel.money_v2(topic, payload, NULL), version = 2
WHERE topic IN ('order.placed', 'payment.captured', 'payment.refunded') AND version = 1;
