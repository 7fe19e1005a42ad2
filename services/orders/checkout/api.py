"""Checkout's HTTP API: place, read, list, pay (dev), cancel."""

from __future__ import annotations

from typing import Annotated

import asyncpg
import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody

from services.orders.checkout import service, views
from services.orders.checkout import store as db
from services.orders.checkout.domain import OrderRequest, check_request
from services.orders.payments.gateway import GatewayUnavailable
from shared.auth import Role
from shared.errors import NotFound
from shared.web.access import allow
from shared.web.deps import Caller, Now, Pool, Tx
from shared.web.idempotency import IdempotencyKey, Unfinished, claim, remember
from shared.web.problems import MEDIA_TYPE, domain_problem
from shared.web.query import LimitQuery


class PaymentConfirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_method: Annotated[str, msgspec.Meta(examples=["pm_card_visa"])] = "pm_card_visa"


class CancelRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=200)] = "cancelled by the shopper"


@post("/v1/orders", guards=[allow(Role.SHOPPER)], tags=["orders"], operation_id="placeOrder")
async def place_order(
    request: Request,
    data: JSONBody[OrderRequest],
    pool: Pool,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[views.OrderView]:
    """Check out (shoppers): promise, reserve, store, then create the PaymentIntent.

    The order awaits payment until the app confirms it with Stripe; its stock is held until
    `pay_by`. A repeat with the same Idempotency-Key returns the first response."""
    check_request(data)
    state = request.app.state
    store_place = await _store_place(pool, data.store_id)
    where = data.address or store_place
    promised = await state.quotes.quote(
        store_id=data.store_id, lat=where.lat, lng=where.lng, pickup=data.fulfilment == "pickup"
    )
    member, caller = principal.member_id, principal.subject
    assert member is not None  # a shopper's token always names the member
    async with pool.acquire() as conn, conn.transaction():
        replay = await claim(conn, request, caller=caller, key=idempotency_key)
        if isinstance(replay, Response):
            return replay
        if isinstance(replay, Unfinished):
            ref = await db.order_by_key(conn, member_id=member, key=idempotency_key)
        else:
            ref = await service.place(
                conn, clock, member_id=member, key=idempotency_key, request=data, promised=promised
            )
    store_id, order_id = ref  # type: ignore[misc]
    try:
        order = await service.pay_for(
            pool, state.gateway, clock, store_id=store_id, order_id=order_id
        )
    except GatewayUnavailable as exc:
        async with pool.acquire() as conn, conn.transaction():
            return await remember(
                conn,
                request,
                caller=caller,
                key=idempotency_key,
                status=exc.status,
                result=domain_problem(request, exc),
                media_type=MEDIA_TYPE,
            )
    async with pool.acquire() as conn, conn.transaction():
        view = await views.order_view(conn, order, principal.role)
        return await remember(
            conn, request, caller=caller, key=idempotency_key, status=201, result=view
        )


async def _store_place(pool: asyncpg.Pool, store_id: str) -> db.StoreRules:
    async with pool.acquire() as conn:
        rules = await db.store_rules(conn, store_id=store_id)
    if rules is None:
        raise NotFound(f"there is no store {store_id}", field="store_id")
    return rules


@get(
    "/v1/orders/{order_id:str}",
    guards=[allow(Role.SHOPPER, Role.CASHIER, Role.PICKER, Role.RIDER, Role.MANAGER, Role.SERVICE)],
    tags=["orders"],
    operation_id="getOrder",
)
async def get_order(order_id: FromPath[str], conn: Tx, principal: Caller) -> views.OrderView:
    """One order: lines, amounts, stage times (its shopper, its store's staff, a rider only
    the orders they carry). Each role reads what its work needs; the rest is null: the address
    and the rider's hand-over (`delivery`) for the shopper, riders, managers and services, the
    PaymentIntent for the shopper, managers and services, and its `client_secret` for the
    shopper alone."""
    order = await views.visible_order(conn, principal, order_id)
    return await views.order_view(conn, order, principal.role)


@get("/v1/orders", guards=[allow(Role.SHOPPER)], tags=["orders"], operation_id="listOrders")
async def list_orders(conn: Tx, principal: Caller, limit: LimitQuery = 20) -> list[views.OrderView]:
    """The shopper's own orders, newest first."""
    ids = await db.member_orders(conn, member_id=principal.member_id or "", limit=limit)
    return [
        await views.order_view(conn, await views.visible_order(conn, principal, i), principal.role)
        for i in ids
    ]


@post(
    "/v1/orders/{order_id:str}/confirm-payment",
    guards=[allow(Role.SHOPPER)],
    tags=["orders"],
    operation_id="confirmPayment",
    status_code=200,
)
async def confirm_payment(
    request: Request,
    order_id: FromPath[str],
    data: JSONBody[PaymentConfirmation],
    pool: Pool,
    clock: Now,
    principal: Caller,
) -> views.OrderView:
    """Dev only: pay with a Stripe test card (`pm_card_visa`), as the app's SDK does in
    production, where Stripe's webhook reports the authorization. Not a creation: confirming
    twice is harmless, so it takes no Idempotency-Key."""
    if request.app.state.settings.env != "dev":
        raise NotFound("confirm-payment exists in dev only; the app confirms with Stripe")
    async with pool.acquire() as conn:
        order = await views.visible_order(conn, principal, order_id)
    order = await service.confirm_payment(
        pool, request.app.state.gateway, clock, order, data.payment_method
    )
    async with pool.acquire() as conn:
        return await views.order_view(conn, order, principal.role)


@post(
    "/v1/orders/{order_id:str}/cancel",
    guards=[allow(Role.SHOPPER, Role.MANAGER)],
    tags=["orders"],
    operation_id="cancelOrder",
    status_code=200,
)
async def cancel_order(
    order_id: FromPath[str],
    data: JSONBody[CancelRequest],
    conn: Tx,
    clock: Now,
    principal: Caller,
) -> views.OrderView:
    """Cancel before packing (its shopper, or the store's manager): stock back on the shelf,
    the authorization voided. Cancelling is not a creation: no Idempotency-Key."""
    order = await views.visible_order(conn, principal, order_id)
    cancelled = await service.cancel(conn, clock, order, reason=data.reason)
    return await views.order_view(conn, cancelled, principal.role)


ROUTES = [place_order, get_order, list_orders, confirm_payment, cancel_order]
