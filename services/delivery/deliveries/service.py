"""Deliveries' use cases: the rider takes a route's bags out, hands each order over or reports
why not; and the route closes when its last door is done.

Each runs in the request's one transaction and locks as every writer does: the deliveries
first (by order id), then the route.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

from services.delivery.deliveries import store as db
from services.delivery.deliveries.domain import (
    FailureReason,
    WrongCode,
    check_out,
    check_pickup,
    check_proof,
)
from services.delivery.deliveries.views import RouteView, route_view
from services.delivery.dispatch.wakeup import wake_dispatcher
from services.delivery.metrics import HANDOVERS
from shared.auth import Principal
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.events import DeliveryFailed, OrderDelivered, OrderOutForDelivery


class Handed(msgspec.Struct, frozen=True, kw_only=True):
    """A door done: the order's outcome and what is left of the rider's route."""

    order_id: str
    status: str
    done_at: datetime
    route_id: str
    route_status: str
    stops_left: int


async def pickup(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    route_id: str,
    bags: Sequence[str],
) -> RouteView:
    """The rider scanned the route's bags at the store: exactly every bag of its orders, no
    other. The route and its orders go out, each order with its ETA (`order.out_for_delivery`),
    and they leave the store's backlog."""
    store_id = principal.store_id or ""
    route = await db.get_route(conn, store_id=store_id, route_id=route_id)
    if route is None:
        raise NotFound(f"store {store_id} has no route {route_id}", field="route_id")
    if route.rider_id != principal.subject:
        raise Forbidden(f"route {route_id} is {route.rider_id}'s, not yours", field="route_id")
    await db.lock_route_deliveries(conn, store_id=store_id, route_id=route_id)
    route = await db.lock_route(conn, store_id=store_id, route_id=route_id)
    assert route is not None
    if route.status == "out":
        raise Conflict(f"route {route_id} is out already: its bags were taken", field="route_id")
    if route.status != "assigned":
        raise Conflict(f"route {route_id} is {route.status}", field="route_id")
    check_pickup(await db.route_bags(conn, store_id=store_id, route_id=route_id), bags)
    now = clock.now()
    going = [
        o
        for o in await db.route_orders(conn, store_id=store_id, route_id=route_id)
        if o.status == "assigned"
    ]
    ids = [o.order_id for o in going]
    await db.route_out(conn, store_id=store_id, route_id=route_id, now=now)
    await db.deliveries_out(conn, store_id=store_id, order_ids=ids, now=now)
    await db.leave_backlog(conn, store_id=store_id, order_ids=ids)
    for order in going:
        await publish(
            conn,
            OrderOutForDelivery(
                order_id=order.order_id,
                store_id=store_id,
                rider_id=principal.subject,
                route_id=route_id,
                eta=order.eta or now,
            ),
            occurred_at=now,
        )
    return await route_view(conn, store_id=store_id, route_id=route_id)


async def _rider_order(
    conn: asyncpg.Connection, principal: Principal, order_id: str
) -> db.Delivery:
    """The order, locked, if it is out on the caller's route."""
    store_id = principal.store_id or ""
    found = await db.lock_delivery(conn, store_id=store_id, order_id=order_id)
    if found is None:
        raise NotFound(f"store {store_id} has no delivery order {order_id}", field="order_id")
    if found.rider_id != principal.subject or found.route_id is None:
        raise Forbidden(f"order {order_id} is not on your route", field="order_id")
    check_out(order_id, found.status)
    return found


async def _close_stop(
    conn: asyncpg.Connection, *, store_id: str, order: db.Delivery, status: str, now: datetime
) -> Handed:
    """After a door: when the route has none left, it is done and its rider free to plan."""
    assert order.route_id is not None
    route = await db.lock_route(conn, store_id=store_id, route_id=order.route_id)
    assert route is not None
    left = await db.stops_left(conn, store_id=store_id, route_id=route.route_id)
    route_status = route.status
    if left == 0 and route.status == "out":
        route_status = "done"
        await db.close_route(
            conn, store_id=store_id, route_id=route.route_id, status="done", now=now
        )
        await wake_dispatcher(conn, store_id)
    return Handed(
        order_id=order.order_id,
        status=status,
        done_at=now,
        route_id=route.route_id,
        route_status=route_status,
        stops_left=left,
    )


MAX_WRONG_CODES = 5


class TooManyCodes(DomainError):
    """Too many wrong hand-over codes"""

    status = 429
    slug = "too-many-codes"


async def delivered(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    code: str | None,
    photo_ref: str | None,
) -> Handed:
    """Handed over at the door against the code the shopper's app shows, or a photo. After
    `MAX_WRONG_CODES` wrong codes only a photo will do: four digits must not be guessable."""
    order = await _rider_order(conn, principal, order_id)
    store_id, now = principal.store_id or "", clock.now()
    if code is not None:
        wrong = await db.code_failures(conn, store_id=store_id, order_id=order_id)
        if wrong >= MAX_WRONG_CODES:
            raise TooManyCodes(
                f"{wrong} wrong codes for this order: hand it over with a photo of the bags at "
                "the door (photo_ref), or report the delivery failed",
                field="code",
            )
    try:
        proof = check_proof(order.handover_code, code=code, photo_ref=photo_ref)
    except WrongCode:
        # Counted in this transaction, which holds the order's row: the count is exact, and
        # the refusal commits it (a second connection here, while the row is locked, let a
        # dozen concurrent wrong codes take every connection and wait on each other forever).
        await db.add_code_failure(conn, store_id=store_id, order_id=order_id, at=now)
        raise
    await db.finish_delivery(
        conn,
        store_id=store_id,
        order_id=order_id,
        status="delivered",
        now=now,
        proof=proof.kind,
        photo_ref=proof.photo_ref,
    )
    await publish(
        conn,
        OrderDelivered(
            order_id=order_id,
            store_id=store_id,
            rider_id=principal.subject,
            proof=proof.kind,
            photo_ref=proof.photo_ref,
        ),
        occurred_at=now,
    )
    HANDOVERS.labels(store_id, "on_time" if now <= order.promise_at else "late").inc()
    return await _close_stop(conn, store_id=store_id, order=order, status="delivered", now=now)


async def failed(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    reason: FailureReason,
    note: str | None,
) -> Handed:
    """The rider could not hand the order over: its bags go back to the store, orders refunds
    by policy (`delivery.failed`), and the dispatcher re-plans."""
    order = await _rider_order(conn, principal, order_id)
    store_id, now = principal.store_id or "", clock.now()
    await db.finish_delivery(
        conn, store_id=store_id, order_id=order_id, status="failed", now=now, failure_reason=reason
    )
    await publish(
        conn,
        DeliveryFailed(
            order_id=order_id,
            store_id=store_id,
            rider_id=principal.subject,
            reason=reason,
            note=note,
        ),
        occurred_at=now,
    )
    HANDOVERS.labels(store_id, "failed").inc()
    await wake_dispatcher(conn, store_id)
    return await _close_stop(conn, store_id=store_id, order=order, status="failed", now=now)
