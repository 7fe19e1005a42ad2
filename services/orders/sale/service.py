"""What every sale does, at the till or by scan-and-go: read the store's selling rules, price
the scanned codes at today's prices, and record the sale with its stock taken.

Stock follows the till rule (services/orders/stock/store.py): a sale never fails for stock,
on_hand stops at 0 and online reservations are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.orders.sale import store as db
from services.orders.sale.domain import Line, Till, price_scan, read_scans, stock_taken
from services.orders.stock import store as stock
from shared.bus import publish
from shared.errors import NotFound
from shared.events import SaleRecorded, SoldLine


async def load_till(conn: asyncpg.Connection, store_id: str) -> Till:
    till = await db.till(conn, store_id=store_id)
    if till is None:
        raise NotFound(f"there is no store {store_id}", field="store_id")
    return till


async def price_codes(
    conn: asyncpg.Connection,
    store_id: str,
    till: Till,
    codes: Sequence[str],
    fields: Sequence[str],
) -> list[Line]:
    """One priced line per scanned code, at today's prices; a bad code fails, named by its
    field, before anything is read."""
    scans = read_scans(till, codes, fields)
    products = await db.products_for_scans(
        conn,
        store_id=store_id,
        eans=[s.gtin for s in scans if s.gtin],
        plus=[s.plu for s in scans if s.plu],
    )
    by_ean = {p.ean: p for p in products}
    by_plu = {p.plu: p for p in products if p.plu}
    return [
        price_scan(code.strip(), scan, by_ean, by_plu, field=field)
        for code, scan, field in zip(codes, scans, fields, strict=True)
    ]


async def record(conn: asyncpg.Connection, sale: db.SaleRow, lines: Sequence[Line]) -> None:
    """What the customer takes leaves the shelf, the sale is kept and announced
    (`sale.recorded`, which the member nudges follow)."""
    # The till rule (stock.store): on_hand goes down, never below 0; reservations stay.
    await stock.take_from_stock(
        conn, store_id=sale.store_id, taken=stock_taken(lines), unreserve={}
    )
    await db.insert_sale(conn, sale, lines)
    sold = [SoldLine(sku=x.sku, unit=x.unit, quantity=x.quantity) for x in lines]
    announced = SaleRecorded(
        sale_id=sale.sale_id,
        store_id=sale.store_id,
        channel="scan_and_go" if sale.channel == "scan_and_go" else "till",
        member_id=sale.member_id,
        lines=sold,
        order_id=sale.order_id,
    )
    await publish(conn, announced, occurred_at=sale.sold_at)
