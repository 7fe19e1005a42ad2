"""The migration runner: from zero, idempotent, names what failed, refuses edited history."""

from __future__ import annotations

import asyncpg
import pytest

from infra.registry import SCHEMAS, schema_of
from shared.migrations import KERNEL, MigrationError, Schema, discover, migrate, pending
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
