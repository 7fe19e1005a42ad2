"""Deliveries' HTTP API: the rider's pickup, hand-over and failure; the shopper's tracking
(also live, as Server-Sent Events); the manager's dispatch board."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage

from services.delivery.deliveries import service, views
from services.delivery.deliveries.domain import FailureReason
from shared.auth import Principal, Role
from shared.clock import Clock
from shared.web.access import allow
from shared.web.deps import Caller, Now, Pool, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example
from shared.web.streams import EVENT_STREAM, Resume, fingerprint, snapshot, stream

POLL_S = 3.0  # wall seconds between looks at a tracked order
ALIVE_S = 15.0  # a quiet stream says it is alive this often
TOPIC = "tracking.updated"  # the tracking stream's messages
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class PickupBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bags: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=200)]


class DeliveredBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code | None = None
    photo_ref: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None


class FailedBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: FailureReason
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


def _caller(principal: Principal) -> str:
    return f"{principal.store_id}/{principal.subject}"


PICKUP_EXAMPLE = example(
    PickupBody,
    {
        "bags": [
            "ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4-chilled-1",
            "ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4-ambient-1",
        ]
    },
    "Both bags of an order scanned out",
)


@post(
    "/v1/routes/{route_id:str}/pickup",
    guards=[allow(Role.RIDER)],
    tags=["deliveries"],
    operation_id="pickUpRoute",
    status_code=200,
)
async def pick_up(
    request: Request,
    route_id: FromPath[str],
    data: Annotated[PickupBody, PICKUP_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[views.RouteView]:
    """The route's rider scanned its bags at the store: every bag of its orders and no other
    (a foreign bag is a 422 naming `bags[i]`, missing ones a 422 listing them). The orders go
    out with their ETAs; the route comes back."""
    return await once(
        conn,
        request,
        caller=_caller(principal),
        key=idempotency_key,
        create=lambda: service.pickup(conn, clock, principal, route_id=route_id, bags=data.bags),
        status_code=200,
    )


DELIVERED_EXAMPLE = example(
    DeliveredBody,
    {"code": "4821"},
    "Handed over against the shopper's code",
)


@post(
    "/v1/deliveries/{order_id:str}/delivered",
    guards=[allow(Role.RIDER)],
    tags=["deliveries"],
    operation_id="deliverOrder",
    status_code=200,
)
async def deliver(
    request: Request,
    order_id: FromPath[str],
    data: Annotated[DeliveredBody, DELIVERED_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[service.Handed]:
    """Hand an order on the rider's route over: `code` (what the shopper's app shows) or
    `photo_ref` (a photo of the bags at the door). A wrong code is a 422 that never says the
    right one."""
    return await once(
        conn,
        request,
        caller=_caller(principal),
        key=idempotency_key,
        create=lambda: service.delivered(
            conn,
            clock,
            principal,
            order_id=order_id,
            code=data.code,
            photo_ref=data.photo_ref,
        ),
        status_code=200,
    )


FAILED_EXAMPLE = example(
    FailedBody,
    {"reason": "not_home", "note": "No answer at the intercom, called twice"},
    "Nobody home",
)


@post(
    "/v1/deliveries/{order_id:str}/failed",
    guards=[allow(Role.RIDER)],
    tags=["deliveries"],
    operation_id="failDelivery",
    status_code=200,
)
async def fail(
    request: Request,
    order_id: FromPath[str],
    data: Annotated[FailedBody, FAILED_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[service.Handed]:
    """The rider could not hand the order over, and why; the bags go back to the store."""
    return await once(
        conn,
        request,
        caller=_caller(principal),
        key=idempotency_key,
        create=lambda: service.failed(
            conn, clock, principal, order_id=order_id, reason=data.reason, note=data.note
        ),
        status_code=200,
    )


@get(
    "/v1/orders/{order_id:str}/tracking",
    guards=[allow(Role.SHOPPER)],
    tags=["tracking"],
    operation_id="trackOrder",
)
async def track(order_id: FromPath[str], conn: Tx, principal: Caller) -> views.Tracking:
    """Where the shopper's delivery order is: status, ETA, stops before theirs, the rider's
    position while it is out, and the code to show the rider."""
    return await views.tracking(conn, principal, order_id)


@get(
    "/v1/orders/{order_id:str}/tracking/stream",
    guards=[allow(Role.SHOPPER)],
    tags=["tracking"],
    operation_id="trackOrderLive",
    media_type=EVENT_STREAM,
)
async def track_live(
    order_id: FromPath[str], pool: Pool, clock: Now, principal: Caller, last_event: Resume
) -> ServerSentEvent:
    """The same as Server-Sent Events, until the order is delivered, failed or cancelled: a
    `tracking.updated` message now and whenever the tracking changes, in the public envelope
    (`id`, `seq` null — a state is no entry of a log —, `topic`, `occurred_at`, `store_id`,
    `data` the tracking as above). Each message's SSE id names the state it carries:
    reconnecting with `Last-Event-ID` (or `?last_event_id=`), the current state is sent unless
    that id names it."""
    async with pool.acquire() as conn:
        first = await views.tracking(conn, principal, order_id)  # 404 before streaming
    resend = last_event is None or last_event.id != fingerprint(first)
    return stream(_follow(pool, clock, principal, first, resend=resend))


def _tracking_message(tracking: views.Tracking, clock: Clock) -> ServerSentEventMessage:
    return snapshot(TOPIC, tracking, store_id=tracking.store_id, at=clock.now())


async def _follow(
    pool: Pool, clock: Clock, principal: Principal, seen: views.Tracking, *, resend: bool
) -> AsyncGenerator[ServerSentEventMessage, None]:
    if resend:
        yield _tracking_message(seen, clock)
    quiet = 0.0
    while seen.status not in views.DONE:
        await asyncio.sleep(POLL_S)
        async with pool.acquire() as conn:
            latest = await views.tracking(conn, principal, seen.order_id)
        if latest != seen:
            seen, quiet = latest, 0.0
            yield _tracking_message(seen, clock)
        else:
            quiet += POLL_S
            if quiet >= ALIVE_S:
                quiet = 0.0
                yield ServerSentEventMessage(comment="alive")


@get(
    "/v1/stores/{store_id:str}/dispatch",
    guards=[allow(Role.MANAGER)],
    tags=["dispatch"],
    operation_id="getDispatchBoard",
)
async def dispatch_board(store_id: FromPath[str], conn: Tx, clock: Now) -> views.DispatchBoard:
    """The store's riders on shift (position, route, stops left), its deliveries not yet done
    with promise and ETA, and the dispatcher's last plan with an `alert` when orders will be
    late or have no rider (the store's manager)."""
    return await views.dispatch_board(conn, store_id=store_id, now=clock.now())


ROUTES = [pick_up, deliver, fail, track, track_live, dispatch_board]
