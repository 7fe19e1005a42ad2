"""What `store.updated` tells the other services about a store."""

from __future__ import annotations

import json

import asyncpg

from shared.auth import Role
from tests.integration.apps import bearer, client, new_store

SERVICE = bearer(Role.SERVICE)
UMEDA = "osaka-umeda"


async def _store_events(database: str) -> list[dict]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT payload FROM kernel.events WHERE topic = 'store.updated' AND key = $1"
            " ORDER BY seq",
            UMEDA,
        )
    finally:
        await conn.close()
    return [json.loads(r["payload"]) for r in rows]


async def test_store_updated_tells_the_stores_variable_measure_barcode_prefixes(database):
    async with client("orders", database) as c:
        headers = {**SERVICE, "Idempotency-Key": "open-umeda"}
        opened = await c.post("/v1/stores", json=new_store(UMEDA), headers=headers)
        assert opened.status_code == 201, opened.text
        conn = await asyncpg.connect(database)
        try:  # the API does not set prefixes; an operator does, in the database
            await conn.execute(
                "UPDATE orders.stores SET weight_prefixes = '{02,20}', price_prefixes = '{27}'"
                " WHERE store_id = $1",
                UMEDA,
            )
        finally:
            await conn.close()
        changed = await c.put(
            f"/v1/stores/{UMEDA}",
            json={"name": "omo Umeda", "lat": 34.70, "lng": 135.50},
            headers=SERVICE,
        )
        assert changed.status_code == 200, changed.text
    on_open, on_change = await _store_events(database)
    assert (on_open["weight_prefixes"], on_open["price_prefixes"]) == (
        ["20", "21", "22", "23", "24"],
        ["25", "26", "27", "28", "29"],
    )
    assert (on_change["weight_prefixes"], on_change["price_prefixes"]) == (["02", "20"], ["27"])
    assert on_change["name"] == "omo Umeda"
