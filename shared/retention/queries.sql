-- name: partitions
-- A partitioned table's partitions (unqualified names) with their row estimates (-1: not
-- counted yet), the default among them.
SELECT c.relname AS name, c.reltuples::bigint AS rows
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = $1::regclass
ORDER BY c.relname

-- name: ddl_lock_timeout
-- SET LOCAL lock_timeout, with the time as a parameter: to the end of the transaction.
SELECT set_config('lock_timeout', $1, true)

-- name: try_lock_for_transaction
-- A trim's lock, to the end of the transaction, unless another process holds it.
SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))

-- name: try_lock
-- A trim's lock for a job of several transactions (DDL), held until `unlock`.
SELECT pg_try_advisory_lock(hashtextextended($1, 0))

-- name: unlock
SELECT pg_advisory_unlock(hashtextextended($1, 0))
