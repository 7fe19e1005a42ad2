"""History's HTTP API: the member's own timeline and favourites."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from services.orders.history import service
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Tx
from shared.web.query import CursorQuery, LimitQuery


@get("/v1/me/timeline", guards=[allow(Role.SHOPPER)], tags=["members"], operation_id="timeline")
async def timeline(
    conn: Tx,
    principal: Caller,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
) -> service.TimelinePage:
    """Online orders, pickups, till sales and scan-and-go visits: one list, newest first, a
    page at a time (the member themself)."""
    return await service.timeline(
        conn, member_id=principal.member_id or "", limit=limit, cursor=cursor
    )


@get("/v1/me/buy-again", guards=[allow(Role.SHOPPER)], tags=["members"], operation_id="buyAgain")
async def buy_again(
    conn: Tx, principal: Caller, store_id: Annotated[str, QueryParameter()], limit: LimitQuery = 20
) -> service.FavouritePage:
    """The `limit` products the member buys most often, across channels, at today's price and
    stock in `store_id` (the member themself); one page, `next_cursor` null."""
    return await service.buy_again(
        conn, member_id=principal.member_id or "", store_id=store_id, limit=limit
    )


ROUTES = [timeline, buy_again]
