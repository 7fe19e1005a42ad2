"""History's HTTP API: the member's own timeline and favourites."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from services.orders.history import service
from services.orders.history.domain import Entry, Favourite
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Tx
from shared.web.query import LimitQuery


@get("/v1/me/timeline", guards=[allow(Role.SHOPPER)], tags=["members"], operation_id="timeline")
async def timeline(
    conn: Tx,
    principal: Caller,
    before: Annotated[
        datetime | None, QueryParameter(description="page: entries before this")
    ] = None,
    limit: LimitQuery = 20,
) -> list[Entry]:
    """Online orders, pickups, till sales and scan-and-go visits: one list, newest first (the
    member themself). Page with `before` = the last entry's `at`."""
    return await service.timeline(
        conn, member_id=principal.member_id or "", before=before, limit=limit
    )


@get("/v1/me/buy-again", guards=[allow(Role.SHOPPER)], tags=["members"], operation_id="buyAgain")
async def buy_again(
    conn: Tx, principal: Caller, store_id: Annotated[str, QueryParameter()], limit: LimitQuery = 20
) -> list[Favourite]:
    """What the member buys most often, across channels, at today's price and stock in
    `store_id` (the member themself)."""
    return await service.buy_again(
        conn, member_id=principal.member_id or "", store_id=store_id, limit=limit
    )


ROUTES = [timeline, buy_again]
