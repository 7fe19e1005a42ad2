-- name: ensure
INSERT INTO kernel.throttles (service, bucket)
SELECT $1, b FROM unnest($2::text[]) AS b
ON CONFLICT (service, bucket) DO NOTHING

-- name: lock
SELECT bucket AS name, hits, since, last_at FROM kernel.throttles
WHERE service = $1 AND bucket = ANY($2::text[])
ORDER BY bucket
FOR UPDATE

-- name: save
UPDATE kernel.throttles
SET hits = :hits, since = :since, last_at = :last_at, expires_at = :expires_at
WHERE service = :service AND bucket = :bucket

-- name: clear
DELETE FROM kernel.throttles WHERE service = $1 AND bucket = $2

-- name: purge_expired
DELETE FROM kernel.throttles WHERE expires_at < now()
