"""Webhooks, the use cases: a manager registers an endpoint of their store for chosen topics;
the event log fills each endpoint's deliveries (`fan_out`, a bus consumer: in the bus's
transaction, so an event is queued for an endpoint exactly once, and only once its change has
committed); a job sends what is due (`send_due`), signed, and retries with backoff.

Sending holds no transaction open while it waits on the network: a short one leases the due
deliveries (`LEASE`), the POSTs run, another records each outcome. A sender that dies mid-way
leaves its leases to run out and the next one sends again: delivery is at least once, and the
event id in the envelope lets the receiver handle each event once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import httpx
import msgspec

from services.orders.webhooks import store as db
from services.orders.webhooks.domain import (
    OFFERED,
    SIGNATURE_HEADER,
    WITHHELD,
    Delivery,
    Endpoint,
    EndpointRequest,
    new_secret,
    next_try,
    signature,
    unknown_topics,
)
from shared import paging
from shared.bus import Published
from shared.clock import Clock
from shared.errors import InvalidInput, NotFound
from shared.events import Envelope
from shared.ids import uuid7

LEASE = timedelta(seconds=60)
BATCH = 50
SEND_TIMEOUT_S = 5.0  # a receiver answers quickly and does its work after; this is generous


class WebhookRegistered(msgspec.Struct, frozen=True, kw_only=True):
    """A new endpoint; its `secret` is shown this once, to verify signatures with."""

    endpoint_id: str
    url: str
    topics: list[str]
    description: str
    secret: str


async def register(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, request: EndpointRequest
) -> WebhookRegistered:
    if unknown := unknown_topics(request.topics):
        raise InvalidInput(
            f"no such topic: {', '.join(unknown)}; offered: {', '.join(sorted(OFFERED))} or *",
            field="topics",
        )
    endpoint_id, secret = f"whe_{uuid7().hex}", new_secret()
    topics = sorted(set(request.topics))
    await db.insert_endpoint(
        conn,
        store_id=store_id,
        endpoint_id=endpoint_id,
        url=request.url,
        topics=topics,
        description=request.description,
        secret=secret,
        at=clock.now(),
    )
    return WebhookRegistered(
        endpoint_id=endpoint_id,
        url=request.url,
        topics=topics,
        description=request.description,
        secret=secret,
    )


async def disable(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, endpoint_id: str
) -> None:
    """No new deliveries; those queued are dropped when their turn comes."""
    at = clock.now()
    if not await db.disable_endpoint(conn, store_id=store_id, endpoint_id=endpoint_id, at=at):
        raise _no_endpoint(store_id, endpoint_id)


async def endpoints(conn: asyncpg.Connection, *, store_id: str) -> list[Endpoint]:
    """The store's endpoints, disabled ones too (never their secrets)."""
    return await db.list_endpoints(conn, store_id=store_id)


def _no_endpoint(store_id: str, endpoint_id: str) -> NotFound:
    return NotFound(f"store {store_id} has no webhook endpoint {endpoint_id}", field="endpoint_id")


class DeliveryPage(paging.Page, frozen=True, kw_only=True):
    items: list[Delivery]


async def deliveries(
    conn: asyncpg.Connection, *, store_id: str, endpoint_id: str, limit: int, cursor: str | None
) -> DeliveryPage:
    known = {e.endpoint_id for e in await db.list_endpoints(conn, store_id=store_id)}
    if endpoint_id not in known:
        raise _no_endpoint(store_id, endpoint_id)
    after = paging.decode_cursor(cursor, tuple[int])
    rows = await db.deliveries_of(
        conn,
        store_id=store_id,
        endpoint_id=endpoint_id,
        before_seq=after[0] if after else None,
        limit=limit + 1,
    )
    shown, next_cursor = paging.cut(rows, limit, lambda d: (d.seq,))
    return DeliveryPage(items=list(shown), next_cursor=next_cursor)


async def redeliver(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, endpoint_id: str, event_id: UUID
) -> None:
    """Send the event to the endpoint again, now (a receiver that lost it asks)."""
    if not await db.redeliver(
        conn, store_id=store_id, endpoint_id=endpoint_id, event_id=event_id, at=clock.now()
    ):
        raise NotFound(
            f"endpoint {endpoint_id} of store {store_id} has no delivery of event {event_id}",
            field="event_id",
        )


def envelope_body(envelope: Envelope) -> bytes:
    """The event in the public envelope, as the bytes signed and sent on every try."""
    store_id = getattr(envelope.event, "store_id", None)
    published = Published(
        id=envelope.id,
        seq=envelope.seq,
        topic=envelope.topic,
        occurred_at=envelope.occurred_at,
        store_id=store_id,
        data={k: v for k, v in msgspec.to_builtins(envelope.event).items() if k not in WITHHELD},
    )
    return msgspec.json.encode(published)


async def fan_out(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """The bus's handler: queue the event for every endpoint of its store that wants it."""
    store_id = getattr(envelope.event, "store_id", None)
    if store_id is None:
        return
    await db.fan_out(
        conn,
        store_id=store_id,
        event_id=envelope.id,
        seq=envelope.seq,
        topic=envelope.topic,
        body=envelope_body(envelope),
        at=envelope.occurred_at,
    )


async def send_due(pool: asyncpg.Pool, *, clock: Clock, http: httpx.AsyncClient) -> int:
    """Send every delivery that is due, each to its endpoint; how many were tried."""
    now = clock.now()
    async with pool.acquire() as conn, conn.transaction():
        due = await db.claim_due(conn, now=now, lease=LEASE, limit=BATCH)
    outcomes = await asyncio.gather(*(_send(http, d) for d in due))
    async with pool.acquire() as conn, conn.transaction():
        for d, (status, error) in zip(due, outcomes, strict=True):
            delivered = status is not None and 200 <= status < 300
            attempts = d.attempts + 1
            later = None if delivered or d.disabled_at else next_try(attempts, clock.now())
            await db.record_try(
                conn,
                d,
                at=clock.now(),
                status=status,
                error=error,
                delivered=delivered,
                next_at=later,
            )
    return len(due)


async def _send(http: httpx.AsyncClient, due: db.Due) -> tuple[int | None, str | None]:
    if due.disabled_at is not None:
        return None, "endpoint disabled"
    headers = {
        "Content-Type": "application/json",
        # Wall time, not the clock: a receiver checks `t` against its own wall clock.
        SIGNATURE_HEADER: signature(due.secret, datetime.now(UTC), due.body),
        "Omo-Event-Id": str(due.event_id),
        "Omo-Topic": due.topic,
    }
    try:
        response = await http.post(due.url, content=due.body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    error = None if response.is_success else response.text[:500]
    return response.status_code, error
