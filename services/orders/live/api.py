"""The shopper's order, live: every event of it as Server-Sent Events, from the log, so the app
hears a proposed substitute the moment a picker proposes it (and every stage after), and a
reconnect with Last-Event-ID misses nothing."""

from __future__ import annotations

import asyncpg
from litestar import get
from litestar.params import FromPath
from litestar.response import ServerSentEvent

from services.orders.checkout.domain import FINISHED
from services.orders.checkout.views import status_of, visible_order
from shared.auth import Role
from shared.bus import last_issued
from shared.web.access import allow
from shared.web.deps import Caller, Pool
from shared.web.streams import EVENT_STREAM, Resume, after_seq, follow_events, stream


@get(
    "/v1/orders/{order_id:str}/events",
    guards=[allow(Role.SHOPPER)],
    tags=["orders"],
    operation_id="followOrder",
    media_type=EVENT_STREAM,
)
async def follow_order(
    order_id: FromPath[str], pool: Pool, principal: Caller, last_event: Resume
) -> ServerSentEvent:
    """The shopper's own order as Server-Sent Events: each event of it (`order.placed`,
    `substitution.proposed` — answer it with the substitutions call —, `order.packed`,
    `order.out_for_delivery`, `order.delivered`...) in the public envelope (`id`, `seq`, `topic`,
    `occurred_at`, `store_id`, `data`), the SSE id being its place in the log. Sent with
    `Last-Event-ID` (or `?last_event_id=`), the stream resumes after it; an id the log never
    gave out is a 422 naming it (reconnect without one to start afresh). It ends once the order
    is finished and every event is sent; a comment line every 15 s keeps a quiet one open. 404
    for anyone else's."""
    async with pool.acquire() as conn:
        await visible_order(conn, principal, order_id)  # 404 before streaming
        after = after_seq(last_event, issued=await last_issued(conn))

    async def finished(conn: asyncpg.Connection) -> bool:
        status = await status_of(conn, order_id)
        return status is None or status in FINISHED

    return stream(follow_events(pool, order_id, after=after, finished=finished))


ROUTES = [follow_order]
