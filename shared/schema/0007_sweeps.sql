-- Periodic sweeps (expire unpaid orders, decide overdue substitutions, purge expired keys...)
-- run once per database, however many instances of a service share it: an instance whose turn
-- comes claims the sweep's row for the period, and the others find it claimed (shared/sweeps.py).
CREATE TABLE kernel.sweeps (
    name   text PRIMARY KEY,  -- <service>.<job>
    ran_at timestamptz NOT NULL
);
