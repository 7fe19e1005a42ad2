"""Past one machine: the schema distributes by store (Citus, say) unchanged. A table that holds a
store's data has `store_id` first in its primary key, in every unique key and in every foreign
key, so each row, its uniqueness and its references live on the store's shard. Citus is not
installable here; this test is the proof the keys allow it.

Tables that are not a store's are named below with why (README, "Past one machine"): a
coordinator keeps them.
"""

from __future__ import annotations

import asyncpg

# Tables without a store column, each with why it is not distributed by store.
GLOBAL = {
    "orders.members": "a member shops at every store",
    "orders.member_codes": "keyed by phone, before there is a member",
    "kernel.subscriptions": "the bus's consumers, one row each",
    "kernel.dead_letters": "per consumer and event",
    "kernel.idempotency_keys": "per service and caller",
    "kernel.throttles": "per service and bucket",
    "kernel.migrations": "the schema's own history",
    "delivery.erased_members": "a member shops at every store",
    "orders.stripe_events": "Stripe's event ids, before the store is known",
    "kernel.events": "the event log: one log, in commit order per key, for the whole chain "
    "(its rows carry their store, for a split by store later)",
    "kernel.deliveries": "the event log's deliveries to each consumer",
    "kernel.handled_events": "the event ids each consumer has handled",
    "kernel.sweeps": "one turn per periodic job for the whole database",
}

KEYS = """
SELECT c.conrelid::regclass::text AS tbl, c.conname, c.contype,
       array_agg(a.attname ORDER BY k.ord) AS cols
FROM pg_constraint c
JOIN pg_namespace n ON n.oid = c.connamespace
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
WHERE n.nspname IN ('orders', 'fulfillment', 'delivery', 'kernel') AND c.contype IN ('p', 'u', 'f')
GROUP BY 1, 2, 3
ORDER BY 1, 2
"""
UNIQUE_INDEXES = """
SELECT i.indrelid::regclass::text AS tbl, c.relname AS conname,
       array_agg(a.attname ORDER BY k.ord) AS cols
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE n.nspname IN ('orders', 'fulfillment', 'delivery', 'kernel') AND i.indisunique
GROUP BY 1, 2
"""
STORE_TABLES = """
SELECT c.oid::regclass::text AS tbl,
       EXISTS (SELECT 1 FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attname = 'store_id' AND NOT a.attisdropped)
           AS has_store,
       EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')
           AS has_key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('orders', 'fulfillment', 'delivery', 'kernel') AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
"""


async def test_every_key_of_a_store_table_starts_with_the_store(database):
    conn = await asyncpg.connect(database)
    try:
        tables = {r["tbl"]: r for r in await conn.fetch(STORE_TABLES)}
        keys = await conn.fetch(KEYS)
        indexes = await conn.fetch(UNIQUE_INDEXES)
    finally:
        await conn.close()
    unexplained = sorted(t for t, r in tables.items() if not r["has_store"] and t not in GLOBAL)
    assert unexplained == [], f"a table with no store_id must say why it is global: {unexplained}"
    store_tables = {t for t, r in tables.items() if r["has_store"] and t not in GLOBAL}
    keyless = sorted(t for t in store_tables if not tables[t]["has_key"])
    assert keyless == [], f"a store table without a primary key cannot be distributed: {keyless}"
    wrong = sorted(
        f"{r['tbl']} {r['conname']} ({', '.join(r['cols'])})"
        for r in [*keys, *indexes]
        if r["tbl"] in store_tables and r["cols"][0] != "store_id"
    )
    assert wrong == [], "\n".join(wrong)
