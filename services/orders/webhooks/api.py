"""Webhooks' HTTP API (a store's manager, or a service on the chain's behalf): register, list
and disable endpoints, read an endpoint's delivery log, send an event again."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Request, Response, delete, get, post
from litestar.params import FromPath, Parameter

from services.orders.webhooks import service
from services.orders.webhooks.domain import Endpoint, EndpointRequest
from shared import paging
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example
from shared.web.query import CursorQuery

MANAGERS = [allow(Role.MANAGER, Role.SERVICE)]


class EndpointPage(paging.Page, frozen=True, kw_only=True):
    items: list[Endpoint]


ENDPOINT_EXAMPLE = example(
    EndpointRequest,
    {"url": "https://erp.example.jp/omo/events", "topics": ["order.placed", "order.delivered"]},
    "The chain's ERP hears of orders placed and delivered",
)


@post(
    "/v1/stores/{store_id:str}/webhooks",
    guards=MANAGERS,
    tags=["webhooks"],
    operation_id="registerWebhook",
)
async def register(
    request: Request,
    store_id: FromPath[str],
    data: Annotated[EndpointRequest, ENDPOINT_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[service.WebhookRegistered]:
    """Register an endpoint for some of the store's topics (`["*"]`: all): each event of them is
    POSTed to `url` in the public envelope, signed in `Omo-Signature` with the `secret` this
    answer shows once, and retried with backoff for about 9 hours until a 2xx. 422 naming
    `topics` for a topic no store event has."""
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.register(conn, clock, store_id=store_id, request=data),
    )


@get(
    "/v1/stores/{store_id:str}/webhooks",
    guards=MANAGERS,
    tags=["webhooks"],
    operation_id="listWebhooks",
)
async def list_endpoints(store_id: FromPath[str], conn: Tx) -> EndpointPage:
    """The store's endpoints, disabled ones too (never their secrets); one page
    (`next_cursor` null)."""
    return EndpointPage(items=await service.endpoints(conn, store_id=store_id), next_cursor=None)


@delete(
    "/v1/stores/{store_id:str}/webhooks/{endpoint_id:str}",
    guards=MANAGERS,
    tags=["webhooks"],
    operation_id="disableWebhook",
    status_code=204,
)
async def disable(
    store_id: FromPath[str], endpoint_id: FromPath[str], conn: Tx, clock: Now
) -> None:
    """Stop sending to the endpoint; what was queued for it is not sent. Disabling twice is
    harmless."""
    await service.disable(conn, clock, store_id=store_id, endpoint_id=endpoint_id)


@get(
    "/v1/stores/{store_id:str}/webhooks/{endpoint_id:str}/deliveries",
    guards=MANAGERS,
    tags=["webhooks"],
    operation_id="listWebhookDeliveries",
)
async def deliveries(
    store_id: FromPath[str],
    endpoint_id: FromPath[str],
    conn: Tx,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    cursor: CursorQuery = None,
) -> service.DeliveryPage:
    """The endpoint's delivery log, newest event first, a page at a time: tries, the last
    answer or error, when it was delivered, and when it is tried next (null once delivered, or
    given up)."""
    return await service.deliveries(
        conn, store_id=store_id, endpoint_id=endpoint_id, limit=limit, cursor=cursor
    )


@post(
    "/v1/stores/{store_id:str}/webhooks/{endpoint_id:str}/deliveries/{event_id:uuid}/redeliver",
    guards=MANAGERS,
    tags=["webhooks"],
    operation_id="redeliverWebhook",
    status_code=202,
)
async def redeliver(
    store_id: FromPath[str],
    endpoint_id: FromPath[str],
    event_id: FromPath[UUID],
    conn: Tx,
    clock: Now,
) -> None:
    """Send the event to the endpoint again, now, with the same event id. Creates nothing (a
    repeat only queues it again), so it takes no Idempotency-Key."""
    await service.redeliver(
        conn, clock, store_id=store_id, endpoint_id=endpoint_id, event_id=event_id
    )


ROUTES = [register, list_endpoints, disable, deliveries, redeliver]
