"""Payments' HTTP API: refunds by the store, and Stripe's webhook."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, post
from litestar.params import FromPath

from services.orders.checkout import views
from services.orders.deps import GATEWAY_PROBLEMS, Gateway, Settings
from services.orders.payments import refunds, webhook
from shared.auth import Role
from shared.web.access import PUBLIC, allow
from shared.web.deps import Caller, Now, Pool, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example


class StripeEventReceived(msgspec.Struct, frozen=True):
    received: bool
    applied: bool


REFUND_EXAMPLE = example(
    refunds.RefundRequest,
    {"amount": {"amount": 198, "currency": "JPY"}, "reason": "cabbage arrived bruised"},
    "Refund the price of a cabbage",
)


@post(
    "/v1/orders/{order_id:str}/refunds",
    guards=[allow(Role.MANAGER)],
    tags=["payments"],
    operation_id="refundOrder",
    responses=GATEWAY_PROBLEMS,
)
async def refund_order(
    request: Request,
    order_id: FromPath[str],
    data: Annotated[refunds.RefundRequest, REFUND_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
    gateway: Gateway,
) -> Response[refunds.Refunded]:
    """Refund part of what an order was charged (the store's manager), by lines or amount."""
    order = await views.visible_order(conn, principal, order_id)
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: refunds.refund(conn, gateway, clock, order, data, key=idempotency_key),
    )


@post(
    "/v1/payments/stripe/webhook",
    opt=PUBLIC,
    tags=["payments"],
    operation_id="stripeWebhook",
    status_code=200,
    responses=GATEWAY_PROBLEMS,
)
async def stripe_webhook(
    request: Request, pool: Pool, clock: Now, settings: Settings, gateway: Gateway
) -> StripeEventReceived:
    """Stripe's events (anyone may send; only those signed with our webhook secret count, and
    of those only what Stripe confirms when asked: see `webhook`). Stripe is asked before a
    connection is taken. Idempotent by Stripe's event id, so it takes no Idempotency-Key."""
    event = webhook.verify(
        await request.body(),
        request.headers.get("stripe-signature"),
        settings.stripe_webhook_secret,
    )
    fetched = await webhook.fetch(gateway, event)
    if fetched is None:
        return StripeEventReceived(received=True, applied=False)
    async with pool.acquire() as conn, conn.transaction():
        applied = await webhook.reconcile(conn, clock, event, fetched)
    return StripeEventReceived(received=True, applied=applied)


ROUTES = [refund_order, stripe_webhook]
