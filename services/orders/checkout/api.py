"""Checkout's HTTP API: place, read, list, pay (dev), cancel."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from services.orders.catalog.paging import caller_language
from services.orders.checkout import cancelling, paying, placing, service, views
from services.orders.checkout.domain import OrderRequest
from services.orders.deps import GATEWAY_PROBLEMS, AcceptLanguage, Gateway, Quotes, Settings
from shared.auth import Role
from shared.errors import NotFound
from shared.web.access import allow
from shared.web.deps import Caller, Now, Pool, Tx
from shared.web.idempotency import (
    FirstAnswer,
    IdempotencyKey,
    claim,
    first_answer,
    key_of,
    remember,
)
from shared.web.openapi import example
from shared.web.query import CursorQuery, LimitQuery


class PaymentConfirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_method: Annotated[str, msgspec.Meta(examples=["pm_card_visa"])] = "pm_card_visa"


class CancelRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=200)] = "cancelled by the shopper"


ORDER_EXAMPLE = example(
    OrderRequest,
    {
        "store_id": "kobe-sannomiya",
        "fulfilment": "delivery",
        "address": {"lat": 34.6981, "lng": 135.1925, "text": "神戸市中央区北野町2-10-5 302号"},
        "lines": [
            {"sku": "SKU-10001", "quantity": 1, "substitution": "same_brand"},
            {"sku": "SKU-10005", "grams": 800},
        ],
        "accept_later_promise": False,
    },
    "A cabbage and 800 g of potatoes, delivered",
)


@post(
    "/v1/orders",
    guards=[allow(Role.SHOPPER, erased_by_handler=True)],  # the offer's statement refuses
    tags=["orders"],
    operation_id="placeOrder",
    responses=GATEWAY_PROBLEMS,
)
async def place_order(
    request: Request,
    data: Annotated[OrderRequest, ORDER_EXAMPLE],
    pool: Pool,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
    quotes: Quotes,
    gateway: Gateway,
) -> Response[views.OrderView]:
    """Check out (shoppers): claim the stock, promise, create the PaymentIntent, store.

    The order awaits payment until the app confirms it with Stripe; its stock is held until
    `pay_by`. A repeat with the same Idempotency-Key returns the first response."""
    caller, key, member_id = principal.subject, idempotency_key, principal.member_id or ""
    keyed = key_of(request, caller=caller, key=key)
    offer = await service.offer(pool, quotes, clock, data, key=keyed, member_id=principal.member_id)
    if offer.short and not offer.key_seen:
        raise service.not_enough(offer.lines, offer.short)  # sold out: nothing to write
    failed = None
    if not offer.key_seen:  # a first request: the order and its answer in one statement

        async def answer(new: placing.NewOrder) -> FirstAnswer:
            view = views.new_order_view(
                new.order, principal.role, lines=new.lines, created_at=new.created_at
            )
            return await first_answer(request, key=keyed, status=201, result=view)

        outcome = await placing.place_at_once(
            pool, gateway, clock, offer, member_id=member_id, key=key, answer=answer
        )
        if isinstance(outcome, FirstAnswer):
            return outcome.response()
        failed = outcome
    # A repeat of the key, a request that stored it first, a claim that expired or a gateway
    # that failed: the key, the order, its PaymentIntent and the answer in one transaction.
    async with placing.placing(pool, offer) as conn:
        replay = await claim(conn, request, caller=caller, key=key)
        if isinstance(replay, Response):
            await service.give_back(conn, offer)
            return replay
        placed = await placing.place(
            conn, clock, offer, member_id=member_id, key=key, claimed=replay is None
        )
        if isinstance(placed, placing.NewOrder):  # stored just now: written, not read back
            order = await paying.pay_for(
                conn, gateway, clock, placed, new=placed.order, failed=failed
            )
            view = views.new_order_view(
                order, principal.role, lines=placed.lines, created_at=placed.created_at
            )
        else:
            order = await paying.pay_for(conn, gateway, clock, placed)
            view = await views.order_view(conn, order, principal.role)
        return await remember(conn, request, caller=caller, key=key, status=201, result=view)


@get(
    "/v1/orders/{order_id:str}",
    guards=[allow(Role.SHOPPER, Role.CASHIER, Role.PICKER, Role.RIDER, Role.MANAGER, Role.SERVICE)],
    tags=["orders"],
    operation_id="getOrder",
)
async def get_order(
    order_id: FromPath[str], conn: Tx, principal: Caller, accept_language: AcceptLanguage = None
) -> views.OrderView:
    """One order: lines, amounts, stage times (its shopper, its store's staff, a rider only
    the orders they carry). Each role reads what its work needs; the rest is null: the address
    and the rider's hand-over (`delivery`) for the shopper, riders, managers and services, the
    PaymentIntent for the shopper, managers and services, and its `client_secret` for the
    shopper alone. Why a substitute was proposed is in words in the first language of
    Accept-Language that there are words in (English or Japanese; else English), and as codes
    with their parameters (`why`) for an app to word itself."""
    order = await views.visible_order(conn, principal, order_id)
    lang = caller_language(None, accept_language)
    return await views.order_view(conn, order, principal.role, lang)


@get("/v1/orders", guards=[allow(Role.SHOPPER)], tags=["orders"], operation_id="listOrders")
async def list_orders(
    conn: Tx,
    principal: Caller,
    limit: LimitQuery = 20,
    cursor: CursorQuery = None,
    accept_language: AcceptLanguage = None,
) -> views.OrderPage:
    """The shopper's own orders, newest first, a page at a time (pass `next_cursor` back as
    `cursor` until it is null); worded as `getOrder` words them."""
    lang = caller_language(None, accept_language)
    return await views.member_orders(conn, principal, limit, cursor, lang)


PAYMENT_EXAMPLE = example(
    PaymentConfirmation,
    {"payment_method": "pm_card_visa"},
    "Pay with the card on file",
)


@post(
    "/v1/orders/{order_id:str}/confirm-payment",
    guards=[allow(Role.SHOPPER)],
    tags=["orders"],
    operation_id="confirmPayment",
    status_code=200,
    responses=GATEWAY_PROBLEMS,
)
async def confirm_payment(
    order_id: FromPath[str],
    data: Annotated[PaymentConfirmation, PAYMENT_EXAMPLE],
    pool: Pool,
    clock: Now,
    principal: Caller,
    gateway: Gateway,
    settings: Settings,
) -> views.OrderView:
    """Dev only: pay with a Stripe test card (`pm_card_visa`), as the app's SDK does in
    production, where Stripe's webhook reports the authorization. Not a creation: confirming
    twice is harmless, so it takes no Idempotency-Key."""
    if settings.env != "dev":
        raise NotFound("confirm-payment exists in dev only; the app confirms with Stripe")
    return await paying.confirm_payment(
        pool, gateway, clock, principal, order_id=order_id, payment_method=data.payment_method
    )


CANCEL_EXAMPLE = example(
    CancelRequest,
    {"reason": "ordered the wrong store"},
    "The shopper changed their mind",
)


@post(
    "/v1/orders/{order_id:str}/cancel",
    guards=[allow(Role.SHOPPER, Role.MANAGER)],
    tags=["orders"],
    operation_id="cancelOrder",
    status_code=200,
)
async def cancel_order(
    order_id: FromPath[str],
    data: Annotated[CancelRequest, CANCEL_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
) -> views.OrderView:
    """Cancel before packing (its shopper, or the store's manager): stock back on the shelf,
    the authorization voided. Cancelling is not a creation: no Idempotency-Key."""
    return await cancelling.cancel_by(conn, clock, principal, order_id=order_id, reason=data.reason)


ROUTES = [place_order, get_order, list_orders, confirm_payment, cancel_order]
