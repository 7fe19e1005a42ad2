"""Nudges over HTTP: the member's list and what they opened; the manager's conversion."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.params import FromPath, QueryParameter

from services.orders.nudges import service
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Tx
from shared.web.query import CursorQuery, LimitQuery


@get("/v1/me/nudges", guards=[allow(Role.SHOPPER)], tags=["nudges"], operation_id="listMyNudges")
async def mine(
    conn: Tx, principal: Caller, limit: LimitQuery = 20, cursor: CursorQuery = None
) -> service.NudgePage:
    """The nudges sent to the calling member, newest first, a page at a time (consent:
    `PUT /v1/me/nudges`)."""
    return await service.received(
        conn, member_id=principal.member_id or "", limit=limit, cursor=cursor
    )


@post(
    "/v1/me/nudges/{nudge_id:str}/opened",
    guards=[allow(Role.SHOPPER)],
    tags=["nudges"],
    operation_id="openNudge",
    status_code=204,
)
async def opened(nudge_id: FromPath[str], conn: Tx, clock: Now, principal: Caller) -> None:
    """The member opened a nudge sent to them (their app says so when they tap it); the first
    time counts. Not a creation: opening twice changes nothing, so no Idempotency-Key."""
    await service.opened(conn, clock, member_id=principal.member_id or "", nudge_id=nudge_id)


@get(
    "/v1/stores/{store_id:str}/nudges/conversion",
    guards=[allow(Role.MANAGER)],
    tags=["nudges"],
    operation_id="getNudgeConversion",
)
async def conversion(
    store_id: FromPath[str],
    conn: Tx,
    clock: Now,
    days: Annotated[
        int, QueryParameter(ge=1, le=365, description="nudges made this many days back")
    ] = 30,
) -> service.Conversion:
    """What the store's nudges earned (its manager): per kind and in all, those a visit made in
    the last `days` days, sent, withheld (the member opted out or ordered online first),
    opened, and followed by an online order within the window (`window_days`); the rates are
    of those sent."""
    return await service.conversion(conn, clock, store_id=store_id, days=days)


ROUTES = [mine, opened, conversion]
