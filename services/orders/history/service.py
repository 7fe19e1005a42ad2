"""History's use cases: a member's own timeline and favourites."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.orders.history import store as db
from services.orders.history.domain import Entry, Favourite
from services.orders.stores import service as stores
from shared import paging


class TimelinePage(paging.Page, frozen=True, kw_only=True):
    items: list[Entry]


class FavouritePage(paging.Page, frozen=True, kw_only=True):
    """The member's top `limit` favourites: a ranking, so one page (`next_cursor` null)."""

    items: list[Favourite]


async def timeline(
    conn: asyncpg.Connection, *, member_id: str, limit: int, cursor: str | None
) -> TimelinePage:
    """Every channel's purchases of the member, newest first, a page at a time."""
    after = paging.decode_cursor(cursor, tuple[datetime, str])
    rows = await db.timeline(conn, member_id=member_id, after=after, limit=limit + 1)
    shown, next_cursor = paging.cut(rows, limit, lambda e: (e.at, e.ref))
    return TimelinePage(items=list(shown), next_cursor=next_cursor)


async def buy_again(
    conn: asyncpg.Connection, *, member_id: str, store_id: str, limit: int
) -> FavouritePage:
    """What the member buys most often, as `store_id` (which must exist) sells it today."""
    await stores.get_store(conn, store_id)
    top = await db.buy_again(conn, member_id=member_id, store_id=store_id, limit=limit)
    return FavouritePage(items=top, next_cursor=None)
