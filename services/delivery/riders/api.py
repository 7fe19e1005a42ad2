"""Riders' HTTP API: the rider's own shift, position and route (`me` is the token's rider)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post

from services.delivery.deliveries.views import RouteView
from services.delivery.riders import service
from services.delivery.riders.domain import Ping
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example


class ShiftBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    store_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    action: service.ShiftAction


class LocationBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pings: list[Ping]


SHIFT_EXAMPLE = example(
    ShiftBody,
    {"store_id": "kobe-sannomiya", "action": "start"},
    "Start a shift at Kobe Sannomiya",
)


@post(
    "/v1/riders/me/shift",
    guards=[allow(Role.RIDER)],
    tags=["riders"],
    operation_id="changeShift",
    status_code=200,
)
async def change_shift(
    request: Request,
    data: Annotated[ShiftBody, SHIFT_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[service.Shift]:
    """Start or end the rider's shift at their store. Starting twice is a 409; so is ending
    while holding a route (the problem names it)."""
    return await once(
        conn,
        request,
        caller=f"{principal.store_id}/{principal.subject}",
        key=idempotency_key,
        create=lambda: service.shift(
            conn, clock, principal, store_id=data.store_id, action=data.action
        ),
        status_code=200,
    )


LOCATION_EXAMPLE = example(
    LocationBody,
    {
        "pings": [
            {"lat": 34.6945, "lng": 135.1949, "at": "2026-12-06T18:30:05+09:00"},
            {"lat": 34.6952, "lng": 135.1941, "at": "2026-12-06T18:30:10+09:00"},
        ]
    },
    "Two GPS fixes five seconds apart",
)


@post(
    "/v1/riders/me/location",
    guards=[allow(Role.RIDER)],
    tags=["riders"],
    operation_id="reportLocation",
    status_code=200,
)
async def report_location(
    data: Annotated[LocationBody, LOCATION_EXAMPLE], conn: Tx, clock: Now, principal: Caller
) -> service.Located:
    """Report 1 to 100 positions (lat, lng, at) while on shift; the newest is the rider's
    position. At most 30 calls a minute per rider: a 429 with Retry-After beyond that.

    No Idempotency-Key, because a repeat creates nothing new: a ping is kept by the rider and
    the instant it was taken, so a batch sent again adds no row and answers the same (unless
    newer pings came in between). A key per call would store a row for every call a phone
    makes, as many as the pings themselves.
    """
    return await service.report_location(conn, clock, principal, pings=data.pings)


@get("/v1/riders/me/route", guards=[allow(Role.RIDER)], tags=["riders"], operation_id="myRoute")
async def my_route(conn: Tx, principal: Caller) -> RouteView:
    """The rider's route: the store first (the bags to collect), then each door in order with
    its ETA and bags; 404 when the rider holds none."""
    return await service.my_route(conn, principal)


ROUTES = [change_shift, report_location, my_route]
