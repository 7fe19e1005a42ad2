"""Checkout's queries: one function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.checkout.domain import Sellable
from shared.db import retry_deadlock
from shared.events import Fulfilment, PackedLine, PlacedLine
from shared.ids import uuid7
from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))


class StoreRules(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    weighed_buffer_pct: int
    unpaid_timeout_s: int
    lat: float
    lng: float


class OrderRow(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    order_id: str
    member_id: str
    fulfilment: Fulfilment
    address_text: str | None
    address_lat: float | None
    address_lng: float | None
    status: str
    currency: str
    estimate: int
    to_authorize: int
    promise_at: datetime
    payment_intent_id: str | None
    client_secret: str | None
    pay_by: datetime
    failure: str | None
    pickup_slot: str | None = None  # set by `order.ready_for_pickup`, never on insert
    # Set as delivery reports the order's way to the door, never on insert.
    rider_id: str | None = None
    delivery_eta: datetime | None = None
    delivery_proof: str | None = None  # code | photo
    delivery_photo_ref: str | None = None
    delivery_note: str | None = None  # the rider's, on a failed delivery


class LineRow(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    zone: str
    unit: str
    quantity: int
    unit_price: int
    estimate: int
    substitution: str
    picked: int | None = None
    substitute_sku: str | None = None
    substitute_name_en: str | None = None
    substitute_quantity: int | None = None
    charged: int | None = None


class LedgerRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    amount: int
    currency: str
    gateway_id: str | None
    at: datetime
    source_id: str | None = None


def _rows(records: Sequence[asyncpg.Record], kind: type) -> list:
    return [msgspec.convert(dict(r), kind) for r in records]


async def store_rules(conn: asyncpg.Connection, *, store_id: str) -> StoreRules | None:
    row = await conn.fetchrow(Q["store_rules"], store_id)
    return msgspec.convert(dict(row), StoreRules) if row else None


async def sellable(
    conn: asyncpg.Connection, *, store_id: str, skus: list[str]
) -> dict[str, Sellable]:
    return {
        r["sku"]: msgspec.convert(dict(r), Sellable)
        for r in await conn.fetch(Q["sellable"], store_id, skus)
    }


async def reserve(conn: asyncpg.Connection, *, store_id: str, amounts: dict[str, int]) -> set[str]:
    """Reserve what is available; returns the skus that were reserved (all or some)."""
    skus = sorted(amounts)
    rows = await retry_deadlock(
        conn, lambda: conn.fetch(Q["reserve"], store_id, skus, [amounts[s] for s in skus])
    )
    return {r["sku"] for r in rows}


async def release(conn: asyncpg.Connection, *, store_id: str, amounts: dict[str, int]) -> None:
    skus = sorted(amounts)
    await retry_deadlock(
        conn, lambda: conn.execute(Q["release"], store_id, skus, [amounts[s] for s in skus])
    )


async def insert_order(
    conn: asyncpg.Connection,
    order: OrderRow,
    *,
    idempotency_key: str,
    lines: Sequence[PlacedLine],
    line_estimates: Sequence[int],
) -> None:
    await conn.execute(
        Q["insert_order"],
        order.store_id,
        order.order_id,
        order.member_id,
        idempotency_key,
        order.fulfilment,
        order.address_text,
        order.address_lat,
        order.address_lng,
        order.currency,
        order.estimate,
        order.to_authorize,
        order.promise_at,
        order.pay_by,
    )
    await conn.execute(
        Q["insert_lines"],
        order.store_id,
        order.order_id,
        [line.line_no for line in lines],
        [line.sku for line in lines],
        [line.name_en for line in lines],
        [line.name_ja for line in lines],
        [line.zone for line in lines],
        [line.unit for line in lines],
        [line.quantity for line in lines],
        [line.unit_price for line in lines],
        list(line_estimates),
        [line.substitution for line in lines],
    )


async def add_stage(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, stage: str, at: datetime
) -> None:
    await conn.execute(Q["add_stage"], store_id, order_id, stage, at)


async def order_by_key(
    conn: asyncpg.Connection, *, member_id: str, key: str
) -> tuple[str, str] | None:
    row = await conn.fetchrow(Q["order_by_key"], member_id, key)
    return (row["store_id"], row["order_id"]) if row else None


async def get_order(conn: asyncpg.Connection, *, order_id: str) -> OrderRow | None:
    row = await conn.fetchrow(Q["get_order"], order_id)
    return msgspec.convert(dict(row), OrderRow) if row else None


async def lock_order(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> OrderRow:
    row = await conn.fetchrow(Q["lock_order"], store_id, order_id)
    return msgspec.convert(dict(row), OrderRow)


async def set_intent(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    intent_id: str,
    client_secret: str | None,
) -> None:
    await conn.execute(Q["set_intent"], store_id, order_id, intent_id, client_secret)


async def set_status(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    status: str,
    failure: str | None = None,
) -> None:
    await conn.execute(Q["set_status"], store_id, order_id, status, failure)


async def lines(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[LineRow]:
    return _rows(await conn.fetch(Q["lines"], store_id, order_id), LineRow)


async def placed_lines(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[PlacedLine]:
    return _rows(await conn.fetch(Q["placed_lines"], store_id, order_id), PlacedLine)


async def stages(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> dict[str, datetime]:
    return {r["stage"]: r["at"] for r in await conn.fetch(Q["stages"], store_id, order_id)}


async def ledger(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[LedgerRow]:
    return _rows(await conn.fetch(Q["ledger"], store_id, order_id), LedgerRow)


async def add_ledger(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    kind: str,
    amount: int,
    currency: str,
    gateway_id: str | None,
    at: datetime,
    source_id: str | None = None,
) -> None:
    await conn.execute(
        Q["add_ledger"],
        store_id,
        order_id,
        uuid7(),
        kind,
        amount,
        currency,
        gateway_id,
        at,
        source_id,
    )


async def overdue_unpaid(
    conn: asyncpg.Connection, *, now: datetime, limit: int
) -> list[tuple[str, str]]:
    return [
        (r["store_id"], r["order_id"]) for r in await conn.fetch(Q["overdue_unpaid"], now, limit)
    ]


async def member_orders(conn: asyncpg.Connection, *, member_id: str, limit: int) -> list[str]:
    return [r["order_id"] for r in await conn.fetch(Q["member_orders"], member_id, limit)]


async def take_from_stock(
    conn: asyncpg.Connection, *, store_id: str, taken: dict[str, int], unreserve: dict[str, int]
) -> None:
    skus = sorted(set(taken) | set(unreserve))
    await retry_deadlock(
        conn,
        lambda: conn.execute(
            Q["take_from_stock"],
            store_id,
            skus,
            [taken.get(s, 0) for s in skus],
            [unreserve.get(s, 0) for s in skus],
        ),
    )


async def record_packed_lines(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    packed: Sequence[PackedLine],
    charged: dict[int, int],
) -> None:
    subs = [p.substitute for p in packed]
    await conn.execute(
        Q["record_packed_lines"],
        store_id,
        order_id,
        [p.line_no for p in packed],
        [p.picked for p in packed],
        [s.sku if s else None for s in subs],
        [s.name_en if s else None for s in subs],
        [s.name_ja if s else None for s in subs],
        [s.unit if s else None for s in subs],
        [s.quantity if s else None for s in subs],
        [s.unit_price if s else None for s in subs],
        [charged[p.line_no] for p in packed],
    )
