"""Scan-and-go's queries: the carts and their scanned lines. One function per query in
queries.sql, `conn` first, structs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.sale.domain import Line
from services.orders.sale.store import LINE_COLUMNS
from services.orders.scan_and_go.domain import CartStatus
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class CartRow(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    cart_id: str
    member_id: str
    status: CartStatus
    currency: str
    opened_at: datetime
    payment_intent_id: str | None
    client_secret: str | None
    sale_id: str | None
    paid_at: datetime | None
    exit_at: datetime | None


class CartLine(Line, frozen=True, kw_only=True):
    line_no: int


async def insert_cart(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    cart_id: str,
    member_id: str,
    currency: str,
    now: datetime,
) -> None:
    await conn.execute(Q["insert_cart"], store_id, cart_id, member_id, currency, now)


async def get_cart(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, lock: bool = False
) -> CartRow | None:
    """The cart; with `lock`, locked until the transaction ends."""
    row = await conn.fetchrow(Q["lock_cart" if lock else "get_cart"], store_id, cart_id)
    return row_as(CartRow, row)


async def cart_lines(conn: asyncpg.Connection, *, store_id: str, cart_id: str) -> list[CartLine]:
    rows = await conn.fetch(Q["cart_lines"], store_id, cart_id)
    return rows_as(CartLine, rows)


async def add_cart_line(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, line: Line, now: datetime
) -> int:
    """The new line's number."""
    return await conn.fetchval(
        *Q["add_cart_line"](
            store_id=store_id,
            cart_id=cart_id,
            now=now,
            **{c: getattr(line, c) for c in LINE_COLUMNS},
        )
    )


async def remove_cart_line(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, line_no: int, now: datetime
) -> datetime | None:
    """When the line left the cart (now, or earlier); None if the cart never had it."""
    return await conn.fetchval(Q["remove_cart_line"], store_id, cart_id, line_no, now)


async def set_cart_intent(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    cart_id: str,
    intent_id: str,
    client_secret: str | None,
) -> None:
    await conn.execute(Q["set_cart_intent"], store_id, cart_id, intent_id, client_secret)


async def set_cart_paid(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, sale_id: str, at: datetime
) -> None:
    await conn.execute(Q["set_cart_paid"], store_id, cart_id, sale_id, at)


async def set_cart_exit(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, at: datetime, by: str
) -> None:
    await conn.execute(Q["set_cart_exit"], store_id, cart_id, at, by)
