"""The till's use cases: price a basket, take its stock, record the sale; one transaction.

Stock follows the till rule (services/orders/stock/store.py): a sale never fails for stock,
on_hand stops at 0 and online reservations are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.orders.checkout.domain import Promised
from services.orders.members import service as members
from services.orders.sales import handoff
from services.orders.sales import store as db
from services.orders.sales.domain import (
    CardTerminal,
    Cash,
    Line,
    Receipt,
    SaleRequest,
    Till,
    change_due,
    check_deliverable,
    combine,
    price_scan,
    read_scans,
    receipt_lines,
    stock_taken,
)
from services.orders.stock import store as stock
from shared.bus import publish
from shared.clock import Clock
from shared.errors import NotFound
from shared.events import SaleRecorded, SoldLine
from shared.ids import uuid7
from shared.money import Money


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


async def sell(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    cashier: str,
    secret: str,
    request: SaleRequest,
    promised: Promised | None = None,
) -> Receipt:
    """Ring up a basket at the till; with `deliver_to`, it also goes home by rider by the
    promise delivery made for it (`promised`)."""
    till = await load_till(conn, store_id)
    fields = [f"barcodes[{i}]" for i in range(len(request.barcodes))]
    lines = combine(await price_codes(conn, store_id, till, request.barcodes, fields))
    member_id = None
    if request.member_code is not None:
        member_id = await members.check_member_code(
            conn, clock, secret=secret, payload=request.member_code
        )
    total = Money(sum(x.amount for x in lines), till.currency)
    change = change_due(request.tender, total)
    promise_at = None
    if request.deliver_to is not None:
        check_deliverable(till, request.deliver_to)
        promise_at = handoff.promise_of(promised)
    now = clock.now()
    sale_id = f"sal_{uuid7().hex}"
    order_id = None
    if request.deliver_to is not None and promise_at is not None:
        order_id = await handoff.send_home(
            conn,
            now=now,
            promise_at=promise_at,
            store_id=store_id,
            sale_id=sale_id,
            member_id=member_id,
            address=request.deliver_to,
            lines=lines,
            currency=till.currency,
        )
    tender = request.tender
    received = tender.received if isinstance(tender, Cash) else None
    sale = db.SaleRow(
        store_id=store_id,
        sale_id=sale_id,
        channel="till",
        sold_by=cashier,
        member_id=member_id,
        currency=till.currency,
        total=total.amount,
        tender="cash" if isinstance(tender, Cash) else "card_terminal",
        received=received.amount if received else None,
        reference=tender.reference if isinstance(tender, CardTerminal) else None,
        order_id=order_id,
        sold_at=now,
    )
    await record(conn, sale, lines)
    return Receipt(
        sale_id=sale_id,
        store_id=store_id,
        sold_at=now,
        member_id=member_id,
        lines=receipt_lines(lines, till.currency),
        total=total,
        tender=sale.tender,
        received=received,
        change=change,
        promise_at=promise_at,
        order_id=order_id,
    )
