"""A sale's queries, whoever sells (the till, scan-and-go): the one home of `orders.sales` and
its lines. One function per query in queries.sql, `conn` first, structs out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.sale.domain import Channel, Line, Product, TenderKind, Till
from shared.sql import load_queries, row_as, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


class SaleRow(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    sale_id: str
    channel: Channel
    sold_by: str
    member_id: str | None
    currency: str
    total: int
    tender: TenderKind
    received: int | None
    reference: str | None
    order_id: str | None
    sold_at: datetime


# A priced line as stored, at the till or in a cart.
LINE_COLUMNS = (
    *("barcode", "scan", "sku", "name_en", "name_ja", "zone", "unit", "quantity"),
    *("unit_price", "amount", "tax_class"),
)


async def till(conn: asyncpg.Connection, *, store_id: str) -> Till | None:
    row = await conn.fetchrow(Q["till"], store_id)
    return row_as(Till, row)


async def products_for_scans(
    conn: asyncpg.Connection, *, store_id: str, eans: Sequence[str], plus: Sequence[str]
) -> list[Product]:
    rows = await conn.fetch(Q["products_for_scans"], store_id, list(eans), list(plus))
    return rows_as(Product, rows)


async def insert_sale(conn: asyncpg.Connection, sale: SaleRow, lines: Sequence[Line]) -> None:
    await conn.execute(*Q["insert_sale"](**msgspec.structs.asdict(sale)))
    await conn.execute(
        *Q["insert_sale_lines"](
            store_id=sale.store_id,
            sale_id=sale.sale_id,
            line_no=list(range(1, len(lines) + 1)),
            **{c: [getattr(x, c) for x in lines] for c in LINE_COLUMNS},
        )
    )
