"""The store as its manager watches it: orders by stage, the late and the nearly late with who
holds them, the floor, the riders and their routes, the last hour's on-time rate, the promises
it refused or made later and why, the dispatcher's alert, and the order the manager follows.

Times are instants, not ages, so the same store a second later is the same state (the stream
sends a state only when it changed); the page counts ages from `at`, the store clock's now.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from services.delivery.deliveries.domain import is_late
from services.delivery.deliveries.store import RiderOnShift
from services.delivery.deliveries.views import dispatch_board
from services.delivery.live import store as db
from services.delivery.live.alerts import Alert, alert_of
from services.delivery.live.floor import PickerAtWork, PickTask, Queue
from services.delivery.live.following import Followed, followed
from services.delivery.live.store import CauseCount, LateQuote, OpenOrder, StoreFacts
from shared.events import Zone
from shared.web.streams import fingerprint

WINDOW = timedelta(hours=1)
AT_STORE_M = 150  # a free rider further than this from the store is still riding back
STAGE_OF: dict[str, StageName] = {
    "waiting": "floor",
    "ready": "ready",
    "assigned": "rider",
    "out": "rider",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_QUOTES = 5  # of the late quotes, the latest shown one by one


HeldBy = Literal["rider", "floor", "dispatch"]
RiderState = Literal["free", "loading", "out", "back"]


StageName = Literal["floor", "ready", "rider", "delivered"]


class Stage(msgspec.Struct, frozen=True, kw_only=True):
    stage: StageName
    count: int
    oldest_placed_at: datetime | None  # of the orders in it now (none for delivered)
    newest_order_id: str | None  # the last placed of them, for the page to follow


class Late(msgspec.Struct, frozen=True, kw_only=True):
    """A late order (past its promise or planned after it), or one at risk on the floor."""

    order_id: str
    late: bool
    stage: StageName
    due_at: datetime  # the promise; for a pickup order at risk, the floor's deadline
    eta: datetime | None
    held_by: HeldBy  # dispatch: ready, no rider yet
    holder: str | None  # the rider's or the picker's name; none while still queued


class FloorZone(msgspec.Struct, frozen=True, kw_only=True):
    zone: Zone
    queued: int
    in_progress: int
    oldest_since: datetime | None  # to the minute: fulfillment gives ages in whole seconds


class Floor(msgspec.Struct, frozen=True, kw_only=True):
    zones: list[FloorZone]
    pickers: list[PickerAtWork]


class Stop(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    lat: float
    lng: float
    eta: datetime | None


class RiderOnFloor(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    name: str
    state: RiderState
    lat: float | None
    lng: float | None
    stops: list[Stop]  # the doors left on their route, in riding order


class OnTime(msgspec.Struct, frozen=True, kw_only=True):
    """Deliveries done in the last hour; a failed door counts as not in time."""

    done: int
    on_promise: int
    within_30: int
    promise_rate: float | None
    thirty_rate: float | None


class LatePromises(msgspec.Struct, frozen=True, kw_only=True):
    """Quotes of the last hour that refused a promise or made it later than 30 minutes."""

    by_cause: list[CauseCount]  # most first
    latest: list[LateQuote]  # newest first


class LiveState(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    store: StoreFacts
    stages: list[Stage]
    late: list[Late]
    floor: Floor | None  # None: fulfillment did not answer in time
    riders: list[RiderOnFloor]
    on_time: OnTime
    promises: LatePromises
    alert: str | None  # in English, as the dispatch board says it
    alert_facts: Alert | None  # the same in numbers, for the page to word in its language
    followed: Followed | None  # the order asked for (`follow`), if any


def state_id(state: LiveState) -> str:
    """The id of what the state shows, whatever second it was taken at."""
    return fingerprint(msgspec.structs.replace(state, at=EPOCH))


def metres(store: StoreFacts, lat: float, lng: float) -> float:
    east = (lng - store.lng) * 111320 * math.cos(math.radians(store.lat))
    north = (lat - store.lat) * 110574
    return math.hypot(east, north)


def stages(opens: list[OpenOrder], delivered: int) -> list[Stage]:
    out = []
    for stage in ("floor", "ready", "rider"):
        mine = sorted((o for o in opens if STAGE_OF[o.status] == stage), key=lambda o: o.placed_at)
        out.append(
            Stage(
                stage=stage,
                count=len(mine),
                oldest_placed_at=mine[0].placed_at if mine else None,
                newest_order_id=mine[-1].order_id if mine else None,
            )
        )
    done = Stage(stage="delivered", count=delivered, oldest_placed_at=None, newest_order_id=None)
    return [*out, done]


def late_orders(
    now: datetime, opens: list[OpenOrder], riders: dict[str, str], floor: Queue | None
) -> list[Late]:
    pickers = {p.picker_id: p.name for p in floor.pickers} if floor else {}
    risky = {r.order_id: r for r in floor.at_risk} if floor else {}
    late = []
    for o in opens:
        if not is_late(now, o.promise_at, o.eta) and o.order_id not in risky:
            continue
        held_by: HeldBy = "dispatch"
        holder = None
        if o.rider_id is not None:
            held_by, holder = "rider", riders.get(o.rider_id, o.rider_id)
        elif o.status == "waiting":
            picker = risky[o.order_id].picker_id if o.order_id in risky else None
            held_by, holder = "floor", picker and pickers.get(picker, picker)
        late.append(
            Late(
                order_id=o.order_id,
                late=is_late(now, o.promise_at, o.eta),
                stage=STAGE_OF[o.status],
                due_at=o.promise_at,
                eta=o.eta,
                held_by=held_by,
                holder=holder,
            )
        )
    known = {o.order_id for o in opens}
    for r in risky.values():  # pickup orders: delivery never sees them
        if r.order_id not in known:
            picker = r.picker_id and pickers.get(r.picker_id, r.picker_id)
            late.append(
                Late(
                    order_id=r.order_id,
                    late=now > r.deadline,
                    stage="floor",
                    due_at=r.deadline,
                    eta=None,
                    held_by="floor",
                    holder=picker,
                )
            )
    return sorted(late, key=lambda x: (not x.late, x.due_at, x.order_id))


def floor_of(queue: Queue) -> Floor:
    zones = [
        FloorZone(
            zone=z.zone,
            queued=z.queued,
            in_progress=z.in_progress,
            oldest_since=(queue.at - timedelta(seconds=z.oldest_age_s)).replace(
                second=0, microsecond=0
            )
            if z.queued
            else None,
        )
        for z in queue.zones
    ]
    return Floor(zones=zones, pickers=queue.pickers)


def riders_of(
    store: StoreFacts, riders: list[RiderOnShift], opens: list[OpenOrder]
) -> list[RiderOnFloor]:
    out = []
    for r in riders:
        if r.route_status == "out":
            state: RiderState = "out"
        elif r.route_status == "assigned":
            state = "loading"
        elif r.lat is not None and r.lng is not None and metres(store, r.lat, r.lng) > AT_STORE_M:
            state = "back"
        else:
            state = "free"
        stops = sorted(
            (o for o in opens if o.rider_id == r.rider_id and o.seq is not None),
            key=lambda o: o.seq or 0,
        )
        out.append(
            RiderOnFloor(
                rider_id=r.rider_id,
                name=r.name,
                state=state,
                lat=r.lat,
                lng=r.lng,
                stops=[Stop(order_id=o.order_id, lat=o.lat, lng=o.lng, eta=o.eta) for o in stops],
            )
        )
    return out


def on_time(done: db.Done) -> OnTime:
    return OnTime(
        done=done.done,
        on_promise=done.on_promise,
        within_30=done.within_30,
        promise_rate=done.on_promise / done.done if done.done else None,
        thirty_rate=done.within_30 / done.done if done.done else None,
    )


async def live_state(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    now: datetime,
    floor: Queue | None,
    follow: str | None = None,
    tasks: list[PickTask] | None = None,
) -> LiveState:
    """The store now, and the order `follow` with its pick `tasks` (None: the floor did not
    say); raises NotFound for a store delivery does not know."""
    board = await dispatch_board(conn, store_id=store_id, now=now)
    facts = await db.store(conn, store_id=store_id)
    assert facts is not None  # the board found it
    opens = await db.open_deliveries(conn, store_id=store_id)
    since = now - WINDOW
    done = await db.done_since(conn, store_id=store_id, since=since)
    promises = LatePromises(
        by_cause=await db.late_quotes_by_cause(conn, store_id=store_id, since=since),
        latest=await db.latest_late_quotes(
            conn, store_id=store_id, since=since, limit=LATEST_QUOTES
        ),
    )
    return LiveState(
        at=now,
        store=facts,
        stages=stages(opens, done.delivered),
        late=late_orders(now, opens, {r.rider_id: r.name for r in board.riders}, floor),
        floor=floor_of(floor) if floor else None,
        riders=riders_of(facts, board.riders, opens),
        on_time=on_time(done),
        promises=promises,
        alert=board.alert,
        alert_facts=alert_of(board),
        followed=None
        if follow is None
        else followed(
            follow, await db.followed_order(conn, store_id=store_id, order_id=follow), tasks
        ),
    )
