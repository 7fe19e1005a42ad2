-- name: insert_member
INSERT INTO orders.members (member_id, phone, created_at)
VALUES ($1, $2, $3)
ON CONFLICT (phone) DO NOTHING
RETURNING member_id

-- name: get_member
SELECT member_id, phone, created_at FROM orders.members WHERE member_id = $1 AND erased_at IS NULL

-- name: get_member_by_phone
SELECT member_id, phone, created_at FROM orders.members WHERE phone = $1

-- name: issue_code
-- Replaces the phone's code and appends this send, keeping the newest $5 send times. The upsert
-- locks the phone's row, so concurrent requests for one phone are counted one after the other.
INSERT INTO orders.member_codes AS c (phone, code_hash, expires_at, attempts, used_at, sent_at)
VALUES ($1, $2, $3, 0, NULL, ARRAY[$4::timestamptz])
ON CONFLICT (phone) DO UPDATE
SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0,
    used_at = NULL,
    sent_at = (c.sent_at || $4::timestamptz)[greatest(1, cardinality(c.sent_at) + 2 - $5):]
RETURNING sent_at

-- name: lock_code
SELECT code_hash, expires_at, attempts, used_at FROM orders.member_codes
WHERE phone = $1
FOR UPDATE

-- name: count_wrong_try
UPDATE orders.member_codes SET attempts = attempts + 1 WHERE phone = $1 RETURNING attempts

-- name: use_code
UPDATE orders.member_codes SET used_at = $2 WHERE phone = $1

-- name: open_orders_of
SELECT order_id FROM orders.orders
WHERE member_id = $1
  AND status <> ALL ($2::text[])
ORDER BY order_id

-- name: erase_member
-- The phone it had, for the sign-up code keyed by it; NULL when already erased or unknown.
WITH was AS (
    SELECT member_id, phone FROM orders.members
    WHERE member_id = :member_id AND erased_at IS NULL
    FOR UPDATE
)
UPDATE orders.members m
SET phone = NULL, name = NULL, address_text = NULL, address_lat = NULL, address_lng = NULL,
    card_hash = NULL, nudge_channel = NULL, nudge_consent_at = NULL, erased_at = :at
FROM was WHERE m.member_id = was.member_id
RETURNING coalesce(was.phone, '')

-- name: forget_code
DELETE FROM orders.member_codes WHERE phone = :phone

-- name: forget_gift_phones
UPDATE orders.pickup_codes p SET gift_phone = NULL, gift_note = NULL
FROM orders.orders o
WHERE o.member_id = :member_id AND p.store_id = o.store_id AND p.order_id = o.order_id
  AND (p.gift_phone IS NOT NULL OR p.gift_note IS NOT NULL)

-- name: forget_in_events
-- The event log keeps what was published for consumers yet to handle it: the member's
-- addresses go from it too (an erased member has no open order, so none is still needed).
UPDATE kernel.events SET payload = jsonb_set(payload, '{address}', 'null')
WHERE payload ->> 'member_id' = :member_id AND payload ? 'address'
  AND payload -> 'address' <> 'null'

-- name: forget_replies
-- Stored replies to their repeated POSTs held their orders, addresses included.
DELETE FROM kernel.idempotency_keys WHERE caller = :member_id

-- name: is_erased
SELECT EXISTS (SELECT 1 FROM orders.members WHERE member_id = $1 AND erased_at IS NOT NULL)

-- name: register_member
-- A member registered at the counter; NULL when the phone belongs to a member already.
INSERT INTO orders.members (
    member_id, phone, created_at, name, address_text, address_lat, address_lng, card_hash,
    registered_by, substitution, nudge_channel, nudge_consent_at)
VALUES (
    :member_id, :phone, :created_at, :name, :address_text, :address_lat, :address_lng,
    :card_hash, :registered_by, :substitution, :nudge_channel,
    CASE WHEN :nudge_channel::text IS NOT NULL THEN :created_at::timestamptz END)
ON CONFLICT (phone) DO NOTHING
RETURNING member_id

-- name: member_by_card
SELECT member_id FROM orders.members WHERE card_hash = :card_hash AND erased_at IS NULL

-- name: on_file
SELECT member_id, name, address_text, address_lat, address_lng, substitution
FROM orders.members WHERE member_id = :member_id AND erased_at IS NULL

-- name: set_nudge_consent
UPDATE orders.members
SET nudge_channel = :channel,
    nudge_consent_at = CASE WHEN :channel::text IS NULL THEN NULL ELSE :at::timestamptz END
WHERE member_id = :member_id AND erased_at IS NULL
RETURNING member_id
