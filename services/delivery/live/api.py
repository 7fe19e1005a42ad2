"""The manager's live page: the page itself (public: a browser cannot send a bearer token when
it opens a page, and the page holds no data), and the store's state for the store's manager,
as Server-Sent Events and as JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from services.delivery.deps import Floor
from services.delivery.live.floor import FloorClient, PickTask
from services.delivery.live.views import LiveState, live_state, state_id
from shared.auth import Role
from shared.clock import Clock
from shared.errors import Unauthenticated
from shared.web.access import PUBLIC, allow, bearer_principal
from shared.web.deps import Now, Pool
from shared.web.streams import ALIVE_S, EVENT_STREAM, Resume, snapshot, stream

PAGE = (Path(__file__).parent / "page.html").read_bytes()
POLL_S = 1.0  # wall seconds between looks at the store
TOPIC = "live.updated"  # the stream's messages
Follow = Annotated[
    str | None,
    QueryParameter(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="An order to follow from paid to delivered (`followed` in the state).",
    ),
]


@get("/v1/stores/{store_id:str}/live", opt=PUBLIC, include_in_schema=False)
async def live_page() -> Response[bytes]:
    """The page: HTML, JavaScript and SVG in one file, no build step, nothing fetched from
    elsewhere. Its script asks for the manager's token and reads the stream below."""
    return Response(PAGE, media_type="text/html; charset=utf-8")


@get(
    "/v1/stores/{store_id:str}/live/state",
    guards=[allow(Role.MANAGER)],
    tags=["live"],
    operation_id="getLiveState",
)
async def get_live_state(
    request: Request,
    store_id: FromPath[str],
    pool: Pool,
    clock: Now,
    floor: Floor,
    follow: Follow = None,
) -> LiveState:
    """What the live page shows, now (the store's manager): orders by stage, late and at-risk
    orders with who holds them, the floor (null when fulfillment did not answer in time),
    riders with their routes, the last hour's on-time rate, the promises refused or made later
    and why, the dispatcher's alert, and the order `follow` stage by stage."""
    return await _look(request, floor, pool, clock, store_id, follow)


@get(
    "/v1/stores/{store_id:str}/live/stream",
    guards=[allow(Role.MANAGER)],
    tags=["live"],
    operation_id="followLiveState",
    media_type=EVENT_STREAM,
)
async def live_stream(
    request: Request,
    store_id: FromPath[str],
    pool: Pool,
    clock: Now,
    floor: Floor,
    last_event: Resume,
    follow: Follow = None,
) -> ServerSentEvent:
    """The same as Server-Sent Events: a `live.updated` message now and whenever the store
    changes, in the public envelope (`id`, `seq` null — a state is no entry of a log —,
    `topic`, `occurred_at` the state's `at`, `store_id`, `data` the state as above). Each
    message's SSE id names the state it carries (the time it was taken left out):
    reconnecting with `Last-Event-ID` (or `?last_event_id=`), the current state is sent unless
    that id names it."""
    first = await _look(request, floor, pool, clock, store_id, follow)  # 404 before streaming
    resend = last_event.id if last_event else None
    return stream(_follow(request, floor, pool, clock, first, follow, resend=resend))


async def _look(
    request: Request,
    floor: FloorClient,
    pool: Pool,
    clock: Clock,
    store_id: str,
    follow: str | None,
) -> LiveState:
    """The store now: fulfillment's floor first (with the caller's own token), so that no
    connection is held while it answers."""
    token = request.headers["authorization"]
    tasks: list[PickTask] | None = None
    if follow is None:
        queue = await floor.queue(store_id, token)
    else:
        queue, tasks = await asyncio.gather(
            floor.queue(store_id, token), floor.order_tasks(store_id, follow, token)
        )
    async with pool.acquire() as conn:
        return await live_state(
            conn, store_id=store_id, now=clock.now(), floor=queue, follow=follow, tasks=tasks
        )


def _state_message(state: LiveState, seen_id: str) -> ServerSentEventMessage:
    return snapshot(TOPIC, state, store_id=state.store.store_id, at=state.at, id=seen_id)


async def _follow(
    request: Request,
    floor: FloorClient,
    pool: Pool,
    clock: Clock,
    seen: LiveState,
    follow: str | None,
    *,
    resend: str | None,
) -> AsyncGenerator[ServerSentEventMessage, None]:
    seen_id = state_id(seen)
    if resend != seen_id:
        yield _state_message(seen, seen_id)
    quiet = 0.0
    while True:
        await asyncio.sleep(POLL_S)
        try:  # a token that expires ends the stream: the page's reconnect then asks for one
            bearer_principal(request)
        except Unauthenticated:
            return
        latest = await _look(request, floor, pool, clock, seen.store.store_id, follow)
        latest_id = state_id(latest)
        if latest_id != seen_id:
            seen_id, quiet = latest_id, 0.0
            yield _state_message(latest, latest_id)
        else:
            quiet += POLL_S
            if quiet >= ALIVE_S:
                quiet = 0.0
                yield ServerSentEventMessage(comment="alive")


ROUTES = [live_page, get_live_state, live_stream]
