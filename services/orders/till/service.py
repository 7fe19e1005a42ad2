"""The till's use case: ring up a basket, and send it home by rider when asked; one transaction.

Priced, its stock taken and recorded as every sale is (services/orders/sale/service.py: the
till rule, a sale never fails for stock).
"""

from __future__ import annotations

import asyncpg

from services.orders.checkout.domain import Promised
from services.orders.members import service as members
from services.orders.sale import service as selling
from services.orders.sale.domain import combine
from services.orders.sale.store import SaleRow
from services.orders.till import handoff
from services.orders.till.domain import (
    CardTerminal,
    Cash,
    SaleReceipt,
    SaleRequest,
    change_due,
    check_deliverable,
    receipt_lines,
    receipt_taxes,
)
from shared.clock import Clock
from shared.ids import uuid7
from shared.money import Money


async def sell(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    cashier: str,
    secret: str,
    request: SaleRequest,
    promised: Promised | None = None,
) -> SaleReceipt:
    """Ring up a basket at the till; with `deliver_to`, it also goes home by rider by the
    promise delivery made for it (`promised`)."""
    till = await selling.load_till(conn, store_id)
    fields = [f"barcodes[{i}]" for i in range(len(request.barcodes))]
    lines = combine(await selling.price_codes(conn, store_id, till, request.barcodes, fields))
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
    sale = SaleRow(
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
    await selling.record(conn, sale, lines)
    return SaleReceipt(
        sale_id=sale_id,
        store_id=store_id,
        sold_at=now,
        member_id=member_id,
        lines=receipt_lines(lines, till.currency),
        total=total,
        taxes=receipt_taxes(lines, till.currency),
        tender=sale.tender,
        received=received,
        change=change,
        promise_at=promise_at,
        order_id=order_id,
    )
