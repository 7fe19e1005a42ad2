-- The migration runner's own SQL (shared/migrations.py).

-- name: lock
-- One runner at a time across every process.
SELECT pg_advisory_lock(:lock_id)

-- name: unlock
SELECT pg_advisory_unlock(:lock_id)

-- name: bootstrap
CREATE SCHEMA IF NOT EXISTS migrations;
CREATE TABLE IF NOT EXISTS migrations.applied (
    component  text NOT NULL,
    version    int NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
);

-- name: bootstrapped
SELECT to_regclass('migrations.applied') IS NOT NULL

-- name: applied
SELECT version, checksum FROM migrations.applied WHERE component = :component

-- name: record
INSERT INTO migrations.applied (component, version, name, checksum)
VALUES (:component, :version, :name, :checksum)
