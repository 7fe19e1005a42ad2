"""Staff order for a member through checkout's own use cases, and anyone follows it by code.

Placing is checkout's phases with a staff caller (services/orders/checkout/service.py): `offer`
(the promise, no transaction), `placing.place` under the member's id with the staff's
Idempotency-Key, in whose transaction the receipt's codes are stored too, then
`paying.pay_for` (the PaymentIntent the
counter's card terminal confirms; in dev, `confirm_at_counter` with a test card). Checkout
publishes `order.placed` with the hand-over code printed here, so delivery takes that code at
the door. From then on the order is picked, substituted, settled and ridden as any other.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import msgspec

from services.orders.checkout import paying, placing
from services.orders.checkout import service as checkout
from services.orders.checkout.quotes import QuoteClient
from services.orders.checkout.views import OrderView, order_view, visible_order
from services.orders.members import service as members
from services.orders.on_behalf import store as db
from services.orders.on_behalf.domain import (
    BehalfRequest,
    Payment,
    Tracked,
    check_request,
    new_handover_code,
    new_tracking_code,
    order_request,
    read_tracking_code,
)
from services.orders.order import store as orders
from services.orders.order.store import OrderKey, OrderRow
from services.orders.payments.gateway import StripeGateway
from services.orders.pickups import service as pickups
from services.orders.pickups.domain import Collected, local_time
from services.orders.stores import store as stores
from services.orders.substitutions import service as substitutions
from services.orders.substitutions.domain import ProposalView
from shared import throttle
from shared.auth import Principal
from shared.clock import Clock
from shared.db import unit_of_work
from shared.errors import Conflict, NotFound, TooManyRequests
from shared.throttle import Rate

SERVICE = "orders"
# Per client address: a counter's or a member's look every few seconds passes; a guesser of
# 50-bit codes gets nowhere.
TRACKING_RATE = Rate(limit=30, per=timedelta(minutes=1))


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """What the counter prints for the member: the order, its promise in the store's time, the
    code to follow it by (`/v1/tracking/{code}`, no account needed) and, for a delivery, the
    code to give the rider at the door."""

    order: OrderView
    promise_local: str  # the promise in the store's time zone, as printed
    payment: Payment  # at the door: the rider takes `order.amounts.due`
    tracking_code: str
    handover_code: str | None


class UnknownTrackingCode(NotFound):
    """No order has this tracking code"""

    commits = True  # the look is counted against the caller's address, a miss as much as a hit


async def offer_for(
    pool: asyncpg.Pool,
    quotes: QuoteClient,
    clock: Clock,
    *,
    secret: str,
    store_id: str,
    request: BehalfRequest,
) -> tuple[checkout.Offer, str]:
    """Checkout's phase 1 for the member staff name: the offer, and the member's id."""
    check_request(request)
    async with pool.acquire() as conn:
        member = await members.on_file(
            conn, clock, secret=secret, member_id=request.member_id, code=request.member_code
        )
    offer = await checkout.offer(pool, quotes, clock, order_request(store_id, request, member))
    return offer, member.member_id


async def place_for(
    conn: asyncpg.Connection,
    clock: Clock,
    offer: checkout.Offer,
    *,
    member_id: str,
    key: str,
    claimed: bool,
    placed_by: str,
    payment: Payment,
) -> OrderKey:
    """Checkout's phase 2 under the member's id, and the receipt's codes with it (kept from a
    first request with this key that got this far)."""
    placed = await placing.place(conn, clock, offer, member_id=member_id, key=key, claimed=claimed)
    delivery = offer.request.fulfilment == "delivery"
    await db.insert_codes(
        conn,
        store_id=placed.store_id,
        order_id=placed.order_id,
        placed_by=placed_by,
        codes=db.Codes(
            payment=payment,
            tracking_code=new_tracking_code(),
            handover_code=new_handover_code() if delivery else None,
        ),
        at=clock.now(),
    )
    return placed


async def pay_for(
    pool: asyncpg.Pool, gateway: StripeGateway, clock: Clock, placed: OrderKey, payment: Payment
) -> OrderRow:
    """Checkout's phase 3: the PaymentIntent the counter's card terminal confirms; or, paid at
    the door, none, and the order is placed at once (checkout's `authorized` with no intent)."""
    async with unit_of_work(pool) as conn:
        if payment == "counter_card":
            return await paying.pay_for(conn, gateway, clock, placed)
        return await paying.authorized(
            conn, clock, store_id=placed.store_id, order_id=placed.order_id, intent=None
        )


async def receipt(conn: asyncpg.Connection, view: OrderView) -> Receipt:
    """What the counter prints for an order placed on a member's behalf."""
    codes = await db.codes_of(conn, store_id=view.store_id, order_id=view.order_id)
    if codes is None:
        raise NotFound(f"order {view.order_id} was not placed at the counter", field="order_id")
    store = await stores.get_store(conn, store_id=view.store_id)
    assert store is not None  # the order's store
    return Receipt(
        order=view,
        promise_local=local_time(view.promise_at, store.timezone),
        payment=codes.payment,
        tracking_code=codes.tracking_code,
        handover_code=codes.handover_code,
    )


async def receipt_of(conn: asyncpg.Connection, principal: Principal, order: OrderRow) -> Receipt:
    return await receipt(conn, await order_view(conn, order, principal.role))


async def reprint(conn: asyncpg.Connection, principal: Principal, *, order_id: str) -> Receipt:
    """The receipt again, for the store's staff."""
    return await receipt_of(conn, principal, await visible_order(conn, principal, order_id))


async def confirm_at_counter(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    payment_method: str,
) -> Receipt:
    """Dev only: the counter's card terminal confirms the order's PaymentIntent with a test
    card, as Stripe Terminal does in production (whose webhook then places the order)."""
    async with pool.acquire() as conn:
        await reprint(conn, principal, order_id=order_id)  # the store's, placed at its counter
    view = await paying.confirm_payment(
        pool, gateway, clock, principal, order_id=order_id, payment_method=payment_method
    )
    async with pool.acquire() as conn:
        return await receipt(conn, view)


async def decide_for(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    substitution_id: str,
    approve: bool,
) -> ProposalView:
    """Staff decide a proposed substitute on the member's word (by phone, at the counter), for
    an order placed on their behalf; the decision is the member's, as in the app."""
    await reprint(conn, principal, order_id=order_id)
    return await substitutions.decide_by_shopper(
        conn, clock, order_id=order_id, substitution_id=substitution_id, approve=approve
    )


async def collect(
    conn: asyncpg.Connection,
    clock: Clock,
    principal: Principal,
    *,
    secret: str,
    store_id: str,
    tracking_code: str,
) -> Collected:
    """A pickup order placed at this store's counter, handed over against its receipt's
    tracking code: for a member with no app to show a pickup code, the counter makes one and
    redeems it at once, so the pickup is collected as any other (`order.collected`)."""
    plain = read_tracking_code(tracking_code)
    found = await db.tracked(conn, tracking_code=plain) if plain else None
    if found is None or found.store_id != store_id:
        raise NotFound("no order of this store has this tracking code", field="tracking_code")
    order = await orders.get_order(conn, order_id=found.order_id)
    assert order is not None  # its codes refer to it
    if order.fulfilment != "pickup":
        raise Conflict("a delivery is handed over at the door, not here", field="tracking_code")
    issued = await pickups.show_code(conn, clock, secret=secret, order=order)
    return await pickups.redeem(
        conn, clock, secret=secret, store_id=store_id, payload=issued.payload, by=principal.subject
    )


async def track(conn: asyncpg.Connection, clock: Clock, *, code: str, source: str) -> Tracked:
    """An order's progress by the code on its receipt, for anyone holding it; each look counts
    against the caller's address (429 past `TRACKING_RATE`), a miss as much as a hit."""
    now = clock.now()
    rules = {f"tracking/address/{source}": TRACKING_RATE}
    held = await throttle.lock(conn, SERVICE, rules)
    if stop := throttle.blocking(rules, held, now):
        retry = throttle.seconds(stop[1])
        raise TooManyRequests(
            f"at most {TRACKING_RATE.limit} looks a minute; try again in {retry} s",
            retry_after_s=retry,
        )
    await throttle.count(conn, SERVICE, rules, held, now)
    plain = read_tracking_code(code)
    found = await db.tracked(conn, tracking_code=plain) if plain else None
    if found is None:
        raise UnknownTrackingCode("no order has this tracking code", field="code")
    return Tracked(
        tracking_code=found.tracking_code,
        store_id=found.store_id,
        timezone=found.timezone,
        fulfilment=found.fulfilment,
        status=found.status,
        promise_at=found.promise_at,
        eta=found.eta,
        pickup_slot=found.pickup_slot,
        stages=await orders.stages(conn, store_id=found.store_id, order_id=found.order_id),
    )
