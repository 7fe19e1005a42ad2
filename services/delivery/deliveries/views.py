"""What riders, shoppers and the store manager see of deliveries: the rider's route, the
shopper's tracking, and the store's dispatch board."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from services.delivery import store as zones
from services.delivery.capacity import box_alert, too_big
from services.delivery.deliveries import store as db
from services.delivery.deliveries.domain import (
    DeliveryStatus,
    OpenDelivery,
    RiderOnShift,
    RouteStatus,
    is_late,
    run_alert,
)
from services.delivery.dispatch.runs import Run
from shared.auth import Principal
from shared.errors import NotFound

DONE = frozenset({"delivered", "failed", "cancelled"})


class RouteStop(msgspec.Struct, frozen=True, kw_only=True):
    """A stop of the route in riding order. The first is the store (`collect`): the bags to
    take out; then each door (`deliver`) with the bags to hand over there."""

    kind: Literal["collect", "deliver"]
    seq: int
    order_id: str | None
    address: str
    lat: float
    lng: float
    eta: datetime | None
    promise_at: datetime | None
    status: Literal["pending", "done"] | DeliveryStatus  # collect: pending | done
    bags: list[str]


class RouteView(msgspec.Struct, frozen=True, kw_only=True):
    route_id: str
    store_id: str
    rider_id: str
    status: RouteStatus
    planned_at: datetime
    picked_up_at: datetime | None
    stops_left: int
    stops: list[RouteStop]


async def route_view(conn: asyncpg.Connection, *, store_id: str, route_id: str) -> RouteView:
    head = await db.route_header(conn, store_id=store_id, route_id=route_id)
    if head is None:
        raise NotFound(f"store {store_id} has no route {route_id}", field="route_id")
    rows = await db.route_stops(conn, store_id=store_id, route_id=route_id)
    collect = RouteStop(
        kind="collect",
        seq=0,
        order_id=None,
        address=head.store_name,
        lat=head.store_lat,
        lng=head.store_lng,
        eta=None,
        promise_at=None,
        status="done" if head.picked_up_at is not None else "pending",
        bags=[code for r in rows for code in r.bags],
    )
    doors = [
        RouteStop(
            kind="deliver",
            seq=r.seq,
            order_id=r.order_id,
            address=r.address_text,
            lat=r.lat,
            lng=r.lng,
            eta=r.eta,
            promise_at=r.promise_at,
            status=r.status,
            bags=r.bags,
        )
        for r in rows
    ]
    return RouteView(
        route_id=head.route_id,
        store_id=head.store_id,
        rider_id=head.rider_id,
        status=head.status,
        planned_at=head.planned_at,
        picked_up_at=head.picked_up_at,
        stops_left=sum(r.status in ("assigned", "out") for r in rows),
        stops=[collect, *doors],
    )


class RiderPosition(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    lat: float
    lng: float
    located_at: datetime


class Tracking(msgspec.Struct, frozen=True, kw_only=True):
    """An order on its way, as the shopper's app shows it. `handover_code` is what the shopper
    shows the rider at the door (until the order is done); the rider's position only while the
    order is out."""

    order_id: str
    store_id: str
    status: DeliveryStatus
    promise_at: datetime
    eta: datetime | None
    stops_before_yours: int | None
    rider: RiderPosition | None
    handover_code: str | None


async def tracking(conn: asyncpg.Connection, principal: Principal, order_id: str) -> Tracking:
    """The order's delivery, for the shopper who placed it (anyone else: not found)."""
    row = await db.tracking(conn, order_id=order_id)
    if row is None or principal.member_id is None or row.member_id != principal.member_id:
        raise NotFound(f"you have no delivery order {order_id}", field="order_id")
    rider = None
    if row.status == "out" and row.located_at is not None:
        assert row.rider_name is not None and row.rider_lat is not None
        assert row.rider_lng is not None
        rider = RiderPosition(
            name=row.rider_name, lat=row.rider_lat, lng=row.rider_lng, located_at=row.located_at
        )
    on_route = row.status in ("assigned", "out")
    return Tracking(
        order_id=row.order_id,
        store_id=row.store_id,
        status=row.status,
        promise_at=row.promise_at,
        eta=row.eta if on_route else None,
        stops_before_yours=row.stops_before if on_route else None,
        rider=rider,
        handover_code=None if row.status in DONE else row.handover_code,
    )


class DispatchBoard(msgspec.Struct, frozen=True, kw_only=True):
    """The store's riders on shift, its deliveries not yet done (promise first), and the
    dispatcher's last plan with its alert."""

    store_id: str
    at: datetime
    riders: list[RiderOnShift]
    deliveries: list[OpenDelivery]
    last_run: Run | None
    alert: str | None  # when the last plan had late orders, or ready ones without a rider
    late: int
    needs_bigger_box: list[str] = []  # ready orders with more bags than any box on shift


async def dispatch_board(
    conn: asyncpg.Connection, *, store_id: str, now: datetime
) -> DispatchBoard:
    if await zones.get_zone(conn, store_id=store_id) is None:
        raise NotFound(f"delivery knows no store {store_id}", field="store_id")
    deliveries = [
        msgspec.structs.replace(d, late=is_late(now, d.promise_at, d.eta))
        for d in await db.board_deliveries(conn, store_id=store_id)
    ]
    run = await db.last_run(conn, store_id=store_id)
    alert = (
        run_alert(late_orders=run.late_orders, lateness_s=run.lateness_s, unassigned=run.unassigned)
        if run
        else None
    )
    riders = await db.board_riders(conn, store_id=store_id)
    bigger = too_big(
        {d.order_id: d.bags for d in deliveries if d.status == "ready"},
        (r.box_bags for r in riders),
    )
    if bigger:
        largest = max(r.box_bags for r in riders)
        alert = "; ".join(filter(None, [alert, box_alert(bigger, largest)]))
    return DispatchBoard(
        store_id=store_id,
        at=now,
        riders=riders,
        deliveries=deliveries,
        last_run=run,
        alert=alert,
        late=sum(d.late for d in deliveries),
        needs_bigger_box=bigger,
    )
