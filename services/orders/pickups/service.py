"""Pickups' use cases: show, transfer and redeem an order's code; one transaction each.

Each locks the order's row first (the order store's `find_locked`), so the steps of one order
never interleave: two counters scanning one code at once collect it once.
`ready_for_pickup` notes where fulfillment staged the bags (an event handler).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderRow
from services.orders.pickups import store as db
from services.orders.pickups.domain import (
    Collected,
    HandoverLine,
    HandoverSubstitute,
    IssuedCode,
    PickupCode,
    PickupState,
    check_collectable,
    check_redeemable,
    read_pickup_code,
    sign_pickup_code,
)
from shared.bus import publish
from shared.clock import Clock
from shared.errors import NotFound
from shared.events import OrderCollected, OrderReadyForPickup


async def _locked_state(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, field: str
) -> PickupState:
    state = None
    if await orders.find_locked(conn, store_id=store_id, order_id=order_id):
        state = await db.pickup_state(conn, store_id=store_id, order_id=order_id)
    if state is None:
        raise NotFound(f"there is no order {order_id}", field=field)
    return state


def _issued(secret: str, store_id: str, order_id: str, version: int) -> IssuedCode:
    code = PickupCode(store_id=store_id, order_id=order_id, version=version)
    return IssuedCode(
        order_id=order_id,
        store_id=store_id,
        version=version,
        payload=sign_pickup_code(secret, code),
    )


async def show_code(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, order: OrderRow
) -> IssuedCode:
    """The order's current code, issuing the first one once the order is packed."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    state = await _locked_state(conn, **keys, field="order_id")
    check_collectable(state, field="order_id")
    if state.version is None:
        await db.issue_code(conn, **keys, now=clock.now())
    return _issued(secret, order.store_id, order.order_id, state.version or 1)


async def transfer_code(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    secret: str,
    order: OrderRow,
    to_phone: str | None,
    note: str | None,
) -> IssuedCode:
    """A new code for someone else to collect with; every earlier code stops working."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    state = await _locked_state(conn, **keys, field="order_id")
    check_collectable(state, field="order_id")
    version = await db.reissue_code(
        conn, **keys, now=clock.now(), gift_phone=to_phone, gift_note=note
    )
    return _issued(secret, order.store_id, order.order_id, version)


async def ready_for_pickup(
    conn: asyncpg.Connection, ready: OrderReadyForPickup, *, at: datetime
) -> None:
    """The order's bags wait in `ready.slot`: shown to the shopper, the stage timed once.

    The status stays `packed`, which the counter already collects. A redelivery writes the same
    slot and keeps the first stage time, so it changes nothing.
    """
    keys = {"store_id": ready.store_id, "order_id": ready.order_id}
    if await orders.set_pickup_slot(conn, **keys, slot=ready.slot):
        await orders.add_stage(conn, **keys, stage="ready_for_pickup", at=at)


async def redeem(
    conn: asyncpg.Connection, clock: Clock, *, secret: str, store_id: str, payload: str, by: str
) -> Collected:
    """Hand a pickup order over against its code: collected, and `order.collected` published,
    in this one transaction."""
    code = read_pickup_code(secret, payload)
    if code.store_id != store_id:
        raise NotFound("not this store's order", field="payload", store_id=code.store_id)
    keys = {"store_id": store_id, "order_id": code.order_id}
    state = await _locked_state(conn, **keys, field="payload")
    check_redeemable(code, state)
    now = clock.now()
    await orders.set_status(conn, **keys, status="collected")
    await orders.add_stage(conn, **keys, stage="collected", at=now)
    await db.mark_collected(conn, **keys, now=now, by=by)
    await publish(conn, OrderCollected(**keys), occurred_at=now)
    lines = await orders.lines(conn, **keys)
    return Collected(order_id=code.order_id, lines=[_handover(x) for x in lines], collected_at=now)


def _handover(line: LineRow) -> HandoverLine:
    substitute = None
    if line.substitute_sku:
        substitute = HandoverSubstitute(
            sku=line.substitute_sku,
            name_en=line.substitute_name_en or line.substitute_sku,
            quantity=line.substitute_quantity or 0,
        )
    return HandoverLine(
        line_no=line.line_no,
        sku=line.sku,
        name_en=line.name_en,
        name_ja=line.name_ja,
        unit=line.unit,
        quantity=line.quantity if line.picked is None else line.picked,
        substitute=substitute,
    )
