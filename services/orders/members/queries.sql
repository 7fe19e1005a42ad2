-- name: insert_member
INSERT INTO orders.members (member_id, phone, created_at)
VALUES ($1, $2, $3)
ON CONFLICT (phone) DO NOTHING
RETURNING member_id

-- name: get_member
SELECT member_id, phone, created_at FROM orders.members WHERE member_id = $1

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
