"""The migration runner: from zero, idempotent, names what failed, refuses edited history; and
the migrations that rewrite stored data leave it readable by the code of their release."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import msgspec
import pytest

from infra.registry import SCHEMAS, schema_of
from shared import events
from shared.events import PaymentCaptured, SubstitutionProposed
from shared.migrations import KERNEL, MigrationError, Schema, discover, migrate, pending
from shared.money import Money
from shared.web.app import SchemaBehind, ensure_current


@pytest.fixture
async def empty(empty_database):
    conn = await asyncpg.connect(empty_database)
    try:
        yield conn
    finally:
        await conn.close()


async def test_migrations_apply_from_zero_and_a_second_run_applies_nothing(empty):
    applied = await migrate(empty, SCHEMAS)
    assert applied == [f"{s.component}/{m.name}" for s in SCHEMAS for m in discover(s)]
    schemas = {r["nspname"] for r in await empty.fetch("SELECT nspname FROM pg_namespace")}
    assert {"kernel", "orders", "fulfillment", "delivery", "migrations"} <= schemas
    assert await migrate(empty, SCHEMAS) == []
    for schema in SCHEMAS:
        assert await pending(empty, schema) == []


async def test_a_service_on_a_schema_that_is_behind_refuses_to_serve(empty):
    await migrate(empty, [KERNEL, schema_of("orders")])
    await ensure_current(empty, schema_of("orders"))
    with pytest.raises(SchemaBehind, match=r"delivery/0001_stores_riders\.sql"):
        await ensure_current(empty, schema_of("delivery"))


async def test_a_failing_migration_is_named_and_leaves_nothing_half_applied(empty, tmp_path):
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE public.good (id int);")
    (tmp_path / "0002_bad.sql").write_text(
        "CREATE TABLE public.half (id int);\nALTER TABLE public.nowhere ADD COLUMN x int;"
    )
    scratch = Schema("scratch", tmp_path)

    with pytest.raises(MigrationError, match=r"0002_bad\.sql failed: .*nowhere"):
        await migrate(empty, [scratch])
    assert await empty.fetchval("SELECT to_regclass('public.good') IS NOT NULL")
    assert await empty.fetchval("SELECT to_regclass('public.half') IS NULL")
    assert [m.name for m in await pending(empty, scratch)] == ["0002_bad.sql"]


async def test_an_applied_migration_that_was_edited_is_refused(empty, tmp_path):
    script = tmp_path / "0001_first.sql"
    script.write_text("CREATE TABLE public.first (id int);")
    scratch = Schema("scratch", tmp_path)
    await migrate(empty, [scratch])

    script.write_text("CREATE TABLE public.first (id bigint);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await pending(empty, scratch)


def test_migration_files_must_be_numbered(tmp_path):
    (tmp_path / "create_things.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_what\.sql"):
        discover(Schema("scratch", tmp_path))


def _before(schema: Schema, version: int, into: Path) -> Schema:
    """`schema` as it was before migration `version`: a release that is being upgraded."""
    into.mkdir()
    for m in discover(schema):
        if m.version < version:
            shutil.copy(m.path, into / m.name)
    return Schema(schema.component, into)


async def test_events_and_webhook_bodies_stored_before_money_had_one_shape_still_decode(
    empty, tmp_path
):
    old = [
        _before(KERNEL, 8, tmp_path / "kernel"),
        _before(schema_of("orders"), 23, tmp_path / "o"),
    ]
    await migrate(empty, old)
    await empty.execute(
        "INSERT INTO orders.stores VALUES ('sf', 'SF', 37.7, -122.4, 3000, 'USD', "
        "'America/Los_Angeles', now(), now())"
    )
    line = {
        "line_no": 1,
        "sku": "A",
        "name_en": "Milk",
        "name_ja": "牛乳",
        "zone": "chilled",
        "unit": "each",
        "quantity": 2,
        "unit_price": 248,
        "substitution": "any",
    }
    substitute = {
        "sku": "B",
        "name_en": "Oat",
        "name_ja": "オーツ",
        "unit": "each",
        "quantity": 1,
        "unit_price": 298,
    }
    keys = {"order_id": "ord_1", "store_id": "sf"}
    v1 = {
        "order.placed": {
            **keys,
            "member_id": "m",
            "fulfilment": "pickup",
            "address": None,
            "promise_at": "2026-12-06T09:30:00Z",
            "currency": "USD",
            "lines": [line],
        },
        "substitution.proposed": {
            **keys,
            "substitution_id": "sub_1",
            "line_no": 1,
            "short_by": 1,
            "substitute": substitute,
            "decide_by": "2026-12-06T09:10:00Z",
        },
        "order.packed": {
            **keys,
            "bags": [],
            "lines": [
                {"line_no": 1, "sku": "A", "picked": 1, "substitute": substitute},
                {"line_no": 2, "sku": "C", "picked": 1, "substitute": None},
            ],
        },
        "payment.captured": {**keys, "amount": 546, "currency": "USD"},
        "payment.refunded": {**keys, "amount": 298, "currency": "USD"},
    }
    for topic, payload in v1.items():
        await empty.execute(
            "INSERT INTO kernel.events (id, topic, key, version, payload, occurred_at) "
            "VALUES ($1, $2, 'ord_1', 1, $3::jsonb, now())",
            uuid4(),
            topic,
            msgspec.json.encode(payload).decode(),
        )
    await empty.execute(
        "INSERT INTO orders.webhook_endpoints VALUES ('sf', 'whe_1', 'https://erp.example', "
        "'{*}', '', 'whsec', now(), NULL)"
    )
    for seq, topic in enumerate(["substitution.proposed", "payment.captured"], 1):
        body = {
            "id": str(uuid4()),
            "seq": seq,
            "topic": topic,
            "store_id": "sf",
            "occurred_at": "2026-12-06T09:00:00Z",
            "data": v1[topic],
        }
        await empty.execute(
            "INSERT INTO orders.webhook_deliveries (store_id, endpoint_id, event_id, seq, topic, "
            "body, created_at) VALUES ('sf', 'whe_1', $1, $2, $3, $4, now())",
            UUID(body["id"]),
            seq,
            topic,
            msgspec.json.encode(body),
        )

    await migrate(empty, SCHEMAS)

    rows = await empty.fetch("SELECT topic, version, payload FROM kernel.events")
    stored = {
        r["topic"]: events.decode(r["topic"], r["version"], msgspec.json.decode(r["payload"]))
        for r in rows
    }
    usd = partial(Money, currency="USD")
    assert {r["version"] for r in rows} == {2}
    assert stored["order.placed"].lines[0].unit_price == usd(248)
    assert stored["substitution.proposed"].substitute.unit_price == usd(298)
    assert stored["order.packed"].lines[0].substitute.unit_price == usd(298)
    assert stored["order.packed"].lines[1].substitute is None
    assert stored["payment.captured"].amount == usd(546)
    assert stored["payment.refunded"].amount == usd(298)
    sent = {
        r["topic"]: msgspec.json.decode(r["body"])["data"]
        for r in await empty.fetch("SELECT topic, body FROM orders.webhook_deliveries")
    }
    assert msgspec.convert(sent["payment.captured"], PaymentCaptured).amount == usd(546)
    proposed = msgspec.convert(sent["substitution.proposed"], SubstitutionProposed)
    assert proposed.substitute.unit_price == usd(298)  # the store's currency: no order row
