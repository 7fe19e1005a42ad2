"""Nudges' use cases: a visit heard on the bus becomes (at most) one queued nudge, a job sends
what is due through the notifier, the member's app says it was opened, and the member's next
online order is counted for it.

Queued in the transaction that heard of the visit, so a nudge exists exactly when its visit
does. Sent at most once: the job marks a nudge sent and commits before it calls the sender, so
no transaction waits on a push or SMS provider; a send that fails puts it back, and one lost to
a crash in between is not sent twice (a reason to come back, not a bill).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from services.orders.nudges import store as db
from services.orders.nudges.notify import NudgeSender, Outgoing
from services.orders.nudges.rules import (
    KINDS,
    WINDOW,
    Kind,
    Member,
    Nudge,
    Received,
    Skipped,
    decide,
    earns,
    rate,
    withhold,
)
from services.orders.pickups.domain import local_time
from services.orders.stores import store as stores
from shared import paging
from shared.clock import Clock
from shared.errors import NotFound
from shared.events import OrderPlaced
from shared.ids import uuid7

log = logging.getLogger("omo.nudges")
OFTEN = 3  # bought this many times at the store is "often"
BOUGHT_WINDOW = timedelta(days=90)
SHORT_WINDOW = timedelta(days=30)  # "came up short lately"
SEND_TIMEOUT_S = 5.0
BATCH = 20


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    """A member in the store: a sale at a till or by scan-and-go, or a pickup collected."""

    store_id: str
    member_id: str
    visit: str  # the sale's or the collected order's id
    at: datetime
    bought: list[str]


async def on_visit(conn: asyncpg.Connection, visit: Visit) -> Nudge | Skipped | None:
    """Queue the nudge the visit earns, once however often it is heard; what was decided (None
    for no member, or one who deleted their account)."""
    now = await db.member_now(conn, member_id=visit.member_id, since=visit.at)
    if now is None:
        return None
    keys = {"store_id": visit.store_id, "member_id": visit.member_id}
    member = Member(
        channel=now.channel,
        ordered_online=now.ordered_online,
        last_nudged_at=now.last_nudged_at,
        often_short=await db.often_short(
            conn,
            **keys,
            often=OFTEN,
            bought_since=visit.at - BOUGHT_WINDOW,
            short_since=visit.at - SHORT_WINDOW,
        ),
        liked=await db.liked(conn, **keys),
    )
    skus = [*visit.bought, *member.often_short, *member.liked]
    shelf = await db.products(conn, store_id=visit.store_id, skus=skus)
    decided = decide(member, visit.bought, shelf, visit.at)
    if isinstance(decided, Nudge):
        await db.insert(
            conn,
            **keys,
            nudge_id=f"ndg_{uuid7().hex}",
            visit=visit.visit,
            nudge=decided,
            at=visit.at,
        )
    return decided


async def on_collected(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, at: datetime
) -> Nudge | Skipped | None:
    """A pickup collected at the counter is a visit too: what the member carried out."""
    member_id = await db.order_member(conn, store_id=store_id, order_id=order_id)
    if member_id is None:
        return None
    bought = await db.order_skus(conn, store_id=store_id, order_id=order_id)
    return await on_visit(
        conn, Visit(store_id=store_id, member_id=member_id, visit=order_id, at=at, bought=bought)
    )


async def on_placed(conn: asyncpg.Connection, placed: OrderPlaced, *, at: datetime) -> bool:
    """An online order counts for the member's last nudge sent within `WINDOW` before it (one
    order a nudge); a till's or a counter's order is not the member coming back online."""
    keys = {"store_id": placed.store_id, "order_id": placed.order_id}
    if not placed.needs_picking or await db.by_counter(conn, **keys):
        return False
    sent = await db.last_sent(conn, member_id=placed.member_id)
    if sent is None or not earns(sent.sent_at, at, WINDOW):
        return False
    await db.follow(
        conn, store_id=sent.store_id, nudge_id=sent.nudge_id, order_id=placed.order_id, at=at
    )
    return True


async def send_due(pool: asyncpg.Pool, *, clock: Clock, sender: NudgeSender) -> int:
    """Send the nudges that are due, withholding those whose member opted out or ordered online
    since; how many were looked at."""
    going: list[Outgoing] = []
    async with pool.acquire() as conn, conn.transaction():
        due = await db.due(conn, limit=BATCH)
        now = clock.now()
        for n in due:
            keys = {"store_id": n.store_id, "nudge_id": n.nudge_id}
            member = await db.member_now(conn, member_id=n.member_id, since=n.created_at)
            why = withhold(member.channel, member.ordered_online) if member else "opted_out"
            if why is not None:
                await db.withhold(conn, **keys, why=why)
                continue
            assert member is not None and member.channel is not None  # withhold let it go
            channel = member.channel
            await db.mark_sent(conn, **keys, channel=channel, at=now)
            going.append(
                Outgoing(
                    nudge_id=n.nudge_id,
                    member_id=n.member_id,
                    kind=n.kind,
                    channel=channel,
                    phone=member.phone if channel == "sms" else None,
                    message=n.message,
                )
            )
    sent = await _send_all(sender, going)
    failed = [out.nudge_id for out, ok in zip(going, sent, strict=True) if not ok]
    if failed:
        async with pool.acquire() as conn, conn.transaction():
            for nudge_id in failed:
                await db.unsend(conn, nudge_id=nudge_id)
    return len(due)


async def _send_all(sender: NudgeSender, going: list[Outgoing]) -> list[bool]:
    async def one(nudge: Outgoing) -> bool:
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await sender.send(nudge)
        except Exception:
            log.warning("nudge %s not sent; it is tried again", nudge.nudge_id, exc_info=True)
            return False
        return True

    return list(await asyncio.gather(*(one(n) for n in going)))


async def opened(conn: asyncpg.Connection, clock: Clock, *, member_id: str, nudge_id: str) -> None:
    """The member opened the nudge (their app says so); the first time counts."""
    if not await db.open_nudge(conn, member_id=member_id, nudge_id=nudge_id, at=clock.now()):
        raise NotFound(f"you have no nudge {nudge_id}", field="nudge_id")


class NudgePage(paging.Page, frozen=True, kw_only=True):
    items: list[Received]


async def received(
    conn: asyncpg.Connection, *, member_id: str, limit: int, cursor: str | None
) -> NudgePage:
    """The member's nudges, newest first, a page at a time."""
    after = paging.decode_cursor(cursor, tuple[datetime, str])
    rows = await db.of_member(conn, member_id=member_id, after=after, limit=limit + 1)
    shown, next_cursor = paging.cut(rows, limit, lambda n: (n.sent_at, n.nudge_id))
    return NudgePage(items=list(shown), next_cursor=next_cursor)


class KindConversion(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind | Literal["all"]
    made: int  # nudges a visit earned
    sent: int
    withheld: int  # opted out, or ordered online before it went
    opened: int
    ordered: int  # followed by an online order within the window
    opened_rate: float | None  # of those sent
    ordered_rate: float | None  # of those sent


class Conversion(msgspec.Struct, frozen=True, kw_only=True):
    """What the store's nudges earned: per kind and in all, for nudges made since `since`."""

    store_id: str
    since: datetime
    since_local: str  # in the store's time zone
    window_days: int
    kinds: list[KindConversion]
    total: KindConversion


def _converted(kind: Kind | Literal["all"], counts: list[db.KindCounts]) -> KindConversion:
    made, sent, withheld, opened_, ordered = (
        sum(getattr(c, f) for c in counts)
        for f in ("made", "sent", "withheld", "opened", "ordered")
    )
    return KindConversion(
        kind=kind,
        made=made,
        sent=sent,
        withheld=withheld,
        opened=opened_,
        ordered=ordered,
        opened_rate=rate(opened_, sent),
        ordered_rate=rate(ordered, sent),
    )


async def conversion(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, days: int
) -> Conversion:
    """The manager's figures: each kind of nudge made at the store in the last `days` days,
    sent, withheld, opened and followed by an online order."""
    store = await stores.get_store(conn, store_id=store_id)
    if store is None:
        raise NotFound(f"there is no store {store_id}", field="store_id")
    since = clock.now() - timedelta(days=days)
    counts = await db.conversion(conn, store_id=store_id, since=since)
    by_kind = [_converted(k, [c for c in counts if c.kind == k]) for k in KINDS]
    return Conversion(
        store_id=store_id,
        since=since,
        since_local=local_time(since, store.timezone),
        window_days=WINDOW.days,
        kinds=by_kind,
        total=_converted("all", counts),
    )
