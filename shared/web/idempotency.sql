-- name: claim
-- The key for this request, unless a live one exists: true when this request is the first.
INSERT INTO kernel.idempotency_keys (service, caller, key, fingerprint, expires_at)
VALUES ($1, $2, $3, $4, now() + $5::interval)
ON CONFLICT (service, caller, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, status = NULL, body = NULL,
        created_at = now(), expires_at = EXCLUDED.expires_at
    WHERE kernel.idempotency_keys.expires_at < now()
RETURNING true

-- name: stored
SELECT fingerprint, status, body, media_type FROM kernel.idempotency_keys
WHERE service = $1 AND caller = $2 AND key = $3

-- name: remember
UPDATE kernel.idempotency_keys SET status = :status, body = :body, media_type = :media_type
WHERE service = :service AND caller = :caller AND key = :key

-- name: release
DELETE FROM kernel.idempotency_keys
WHERE service = $1 AND caller = $2 AND key = $3 AND status IS NULL

-- name: purge_expired
DELETE FROM kernel.idempotency_keys WHERE expires_at < now()
