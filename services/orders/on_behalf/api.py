"""Orders on a member's behalf, over HTTP: the counter places, confirms the card, prints and
decides substitutes on the member's word; anyone with the receipt follows the order."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, PathParameter

from services.orders.checkout import placing
from services.orders.checkout import service as checkout
from services.orders.checkout.api import PaymentConfirmation
from services.orders.deps import GATEWAY_PROBLEMS, Gateway, Quotes, Settings
from services.orders.on_behalf import service
from services.orders.on_behalf.domain import BehalfRequest, Tracked
from services.orders.on_behalf.service import Receipt
from services.orders.pickups.domain import Collected
from services.orders.substitutions.api import Decision
from services.orders.substitutions.domain import ProposalView
from shared.auth import Role
from shared.errors import NotFound
from shared.web.access import PUBLIC, allow, client_address
from shared.web.deps import Caller, Now, Pool, Secret, Tx
from shared.web.idempotency import IdempotencyKey, claim, remember, used
from shared.web.openapi import example

COUNTER = [allow(Role.CASHIER, Role.MANAGER)]


BEHALF_EXAMPLE = example(
    BehalfRequest,
    {
        "member_code": "OMOM1.mem_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c5.1796544000.Xk3v9Qp2",
        "fulfilment": "delivery",
        "address": {"lat": 34.6981, "lng": 135.1925, "text": "神戸市中央区北野町2-10-5 302号"},
        "lines": [
            {"sku": "SKU-10002", "quantity": 1},
            {"sku": "SKU-10011", "grams": 500, "substitution": "any"},
        ],
        "payment": "on_delivery",
    },
    "Phoned in by a member, paid at the door",
)


@post(
    "/v1/stores/{store_id:str}/orders-on-behalf",
    guards=COUNTER,
    tags=["on behalf"],
    operation_id="placeOrderOnBehalf",
    responses=GATEWAY_PROBLEMS,
)
async def place(
    request: Request,
    store_id: FromPath[str],
    data: Annotated[BehalfRequest, BEHALF_EXAMPLE],
    pool: Pool,
    clock: Now,
    principal: Caller,
    secret: Secret,
    idempotency_key: IdempotencyKey,
    quotes: Quotes,
    gateway: Gateway,
) -> Response[Receipt]:
    """Place a delivery or pickup order for a member (the store's cashiers and manager), named
    by `member_id` or the code they show (their printed card, or the app's member code): the
    app's quote, reservation, promise and PaymentIntent; the member's registered address and
    standing substitution preference unless the request says otherwise. Paid by card at the
    counter (`payment: counter_card`), the order awaits it (`.../confirm-payment` in dev; the
    card terminal in production); paid at the door (`on_delivery`, a delivery only), it is
    placed at once, and the rider takes the packed total (`order.amounts.due`) as they hand
    it over. The receipt prints the tracking code (`GET /v1/tracking/{code}`, no account) and, for a
    delivery, the hand-over code for the rider. A repeat with the same Idempotency-Key returns
    the first answer."""
    offer, member_id = await service.offer_for(
        pool, quotes, clock, secret=secret, store_id=store_id, request=data
    )
    caller, key = f"{store_id}/{principal.subject}", idempotency_key
    if offer.short and not await used(pool, request, caller=caller, key=key):
        raise checkout.not_enough(offer.lines, offer.short)  # sold out: nothing to write
    async with placing.placing(pool, offer) as conn:
        replay = await claim(conn, request, caller=caller, key=key)
        if isinstance(replay, Response):
            await checkout.give_back(conn, offer)
            return replay
        placed = await service.place_for(
            conn,
            clock,
            offer,
            member_id=member_id,
            key=key,
            claimed=replay is None,
            placed_by=caller,
            payment=data.payment,
        )
    order = await service.pay_for(pool, gateway, clock, placed, data.payment)
    async with pool.acquire() as conn, conn.transaction():
        printed = await service.receipt_of(conn, principal, order)
        return await remember(conn, request, caller=caller, key=key, status=201, result=printed)


PAYMENT_EXAMPLE = example(
    PaymentConfirmation,
    {"payment_method": "pm_card_visa"},
    "Card presented at the counter",
)


@post(
    "/v1/stores/{store_id:str}/orders-on-behalf/{order_id:str}/confirm-payment",
    guards=COUNTER,
    tags=["on behalf"],
    operation_id="confirmPaymentAtCounter",
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
) -> Receipt:
    """Dev only: the counter's card terminal pays with a Stripe test card (`pm_card_visa`);
    in production the terminal confirms with Stripe and its webhook places the order.
    Confirming twice is harmless: no Idempotency-Key."""
    if settings.env != "dev":
        raise NotFound("confirm-payment exists in dev only; the card terminal confirms")
    return await service.confirm_at_counter(
        pool, gateway, clock, principal, order_id=order_id, payment_method=data.payment_method
    )


@get(
    "/v1/stores/{store_id:str}/orders-on-behalf/{order_id:str}/receipt",
    guards=COUNTER,
    tags=["on behalf"],
    operation_id="reprintReceipt",
)
async def reprint(order_id: FromPath[str], conn: Tx, principal: Caller) -> Receipt:
    """The receipt of an order placed at this store's counter, printed again."""
    return await service.reprint(conn, principal, order_id=order_id)


DECISION_EXAMPLE = example(
    Decision,
    {"approve": True},
    "The member said yes on the phone",
)


@post(
    "/v1/stores/{store_id:str}/orders-on-behalf/{order_id:str}/substitutions/{substitution_id:str}",
    guards=COUNTER,
    tags=["on behalf"],
    operation_id="decideSubstitutionOnBehalf",
    status_code=200,
)
async def decide(
    order_id: FromPath[str],
    substitution_id: FromPath[str],
    data: Annotated[Decision, DECISION_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
) -> ProposalView:
    """Approve or decline a proposed substitute on the member's word (the store's cashiers and
    manager, for an order placed at its counter), before its time runs out; after it, the
    member's standing preference decides. Deciding twice is refused: no Idempotency-Key."""
    return await service.decide_for(
        conn,
        clock,
        principal,
        order_id=order_id,
        substitution_id=substitution_id,
        approve=data.approve,
    )


class CollectRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    tracking_code: Annotated[str, msgspec.Meta(min_length=1, max_length=24)]


COLLECT_EXAMPLE = example(
    CollectRequest,
    {"tracking_code": "K7Q2M-X9P4D"},
    "The code printed on the receipt",
)


@post(
    "/v1/stores/{store_id:str}/orders-on-behalf/collect",
    guards=COUNTER,
    tags=["on behalf"],
    operation_id="collectByTrackingCode",
    status_code=200,
)
async def collect(
    store_id: FromPath[str],
    data: Annotated[CollectRequest, COLLECT_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    secret: Secret,
) -> Collected:
    """Hand a pickup order placed at this counter over against the tracking code on its
    receipt (the store's cashiers and manager), for a member with no app to show its pickup
    code: the lines to hand over, and the order is collected. 404 naming `tracking_code` for
    no such order of this store, 409 for a delivery, an order not packed yet or collected
    already. Takes no Idempotency-Key: an order is collected once, a repeat is a 409."""
    return await service.collect(
        conn, clock, principal, secret=secret, store_id=store_id, tracking_code=data.tracking_code
    )


@get("/v1/tracking/{code:str}", opt=PUBLIC, tags=["on behalf"], operation_id="trackByCode")
async def track(
    request: Request,
    code: Annotated[str, PathParameter(min_length=1, max_length=24)],
    conn: Tx,
    clock: Now,
) -> Tracked:
    """An order's progress by the tracking code on its receipt (anyone; no account): status,
    the promise, the rider's ETA while out, the pickup slot once ready, stage times, and the
    store's time zone to show them in; nothing of the member, the goods or the door. 30 looks
    a minute per client address, misses included (then 429 with Retry-After)."""
    return await service.track(conn, clock, code=code, source=client_address(request))


ROUTES = [place, confirm_payment, reprint, decide, collect, track]
