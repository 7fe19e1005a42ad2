"""Checkout's order stored: in one statement for a key's first request (`place_at_once`), or
in the transaction of the request's Idempotency-Key for everything else (`placing`, `place`);
docs/design.md, "Checkout in two round trips". The phases: `checkout.service`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.orders.checkout.domain import (
    line_cost,
    totals,
)
from services.orders.checkout.paying import authorize
from services.orders.checkout.service import (
    Offer,
    check_promise,
    give_back,
    give_back_after,
    not_enough,
)
from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderKey, OrderRow
from services.orders.payments.gateway import GatewayUnavailable, StripeGateway
from services.orders.stock import store as stock
from shared.clock import Clock
from shared.db import unit_of_work
from shared.ids import uuid7
from shared.web.idempotency import FirstAnswer

log = logging.getLogger(__name__)


@asynccontextmanager
async def placing(pool: asyncpg.Pool, offer: Offer) -> AsyncIterator[asyncpg.Connection]:
    """The transaction phase 2 runs in (checkout runs phase 3 in it too), a `unit_of_work`: if
    it fails (a refusal, an error, a crash of the connection), the stock `offer` claimed is
    given back once it has rolled back (a refusal that commits, `PaymentFailed`, has let go of
    the stock itself, so there is nothing left to give back)."""
    try:
        async with unit_of_work(pool) as conn:
            yield conn
    except BaseException:
        if offer.claim_id is not None:
            await give_back_after(pool, store_id=offer.request.store_id, claim_id=offer.claim_id)
        raise


async def place(
    conn: asyncpg.Connection,
    clock: Clock,
    offer: Offer,
    *,
    member_id: str,
    key: str,
    claimed: bool,
) -> OrderKey:
    """Phase 2, in `placing`'s transaction: store the order awaiting payment, its stock the
    offer's claim (a `NewOrder`); or the order this key placed already, if a first request got
    that far (`claimed`: this request is the key's first, so there is none), and the claim
    given back."""
    if not claimed and (placed := await orders.order_by_key(conn, member_id=member_id, key=key)):
        await give_back(conn, offer)
        return placed
    new = new_order(clock, offer, member_id=member_id)
    if not await _insert(conn, new, key=key, claim_id=offer.claim_id):
        # The claim expired and was given back before the order came: reserve afresh.
        wanted = {line.sku: line.quantity for line in new.lines}
        if short := sorted(await stock.reserve(conn, store_id=new.store_id, amounts=wanted)):
            raise not_enough(offer.lines, short)
        await _insert(conn, new, key=key, claim_id=None)
    return new


class NewOrder(OrderKey, frozen=True, kw_only=True):
    """An order as checkout stores it: its row and its lines as they are written."""

    order: OrderRow
    lines: list[LineRow]
    created_at: datetime


def new_order(clock: Clock, offer: Offer, *, member_id: str) -> NewOrder:
    """The order `offer` makes, awaiting payment, if the store can promise it (a sold-out
    basket, which claimed nothing, is refused)."""
    request, rules, lines = offer.request, offer.rules, offer.lines
    if offer.claim_id is None or offer.promised is None:
        raise not_enough(lines, offer.short)
    promise_at = check_promise(offer.promised, request)
    now = clock.now()
    sums = totals(lines, rules.weighed_buffer_pct)
    address = request.address
    order = OrderRow(
        store_id=request.store_id,
        order_id=f"ord_{uuid7().hex}",
        member_id=member_id,
        fulfilment=request.fulfilment,
        address_text=address.text if address else None,
        address_lat=address.lat if address else None,
        address_lng=address.lng if address else None,
        status="awaiting_payment",
        currency=rules.currency,
        estimate=sums.estimate,
        to_authorize=sums.to_authorize,
        promise_at=promise_at,
        payment_intent_id=None,
        client_secret=None,
        pay_by=now + timedelta(seconds=rules.unpaid_timeout_s),
        failure=None,
    )
    rows = [
        LineRow(
            line_no=x.line_no,
            sku=x.sku,
            name_en=x.name_en,
            name_ja=x.name_ja,
            zone=x.zone,
            unit=x.unit,
            quantity=x.quantity,
            unit_price=x.unit_price.amount,
            estimate=line_cost(x.unit, x.quantity, x.unit_price.amount),
            substitution=x.substitution,
            tax_class=offer.tax_classes[x.sku],
        )
        for x in lines
    ]
    return NewOrder(
        store_id=order.store_id, order_id=order.order_id, order=order, lines=rows, created_at=now
    )


def _insert(
    conn: asyncpg.Connection | asyncpg.Pool,
    new: NewOrder,
    *,
    key: str,
    claim_id: str | None,
    answer: FirstAnswer | None = None,
) -> Awaitable[bool]:
    return orders.insert_order(
        conn,
        new.order,
        idempotency_key=key,
        lines=new.lines,
        created_at=new.created_at,
        claim_id=claim_id,
        answer=answer,
    )


async def place_at_once(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    offer: Offer,
    *,
    member_id: str,
    key: str,
    answer: Callable[[NewOrder], Awaitable[FirstAnswer]],
) -> FirstAnswer | GatewayUnavailable | None:
    """Phases 2 and 3 in one statement, for the app's checkout of a key no request has stored
    (`offer.key_seen` false): the PaymentIntent is made first, for the order as it will be
    stored, then one statement, with no transaction around it, stores the order taking the
    claim over, its PaymentIntent and the request's `answer` (made of what is written), and
    commits them together: two trips to PostgreSQL a placement in all, where `placing`'s
    transaction takes eight. Returns the answer stored; or, for `placing`'s transaction to take
    over with the claim still held: the gateway's failure, which `pay_for` records there
    without asking the gateway again; or None when the statement wrote nothing (another request
    stored the key first, which `placing` replays, or the claim expired), the PaymentIntent
    made for it cancelled. Any error gives the claim back."""
    try:
        new = new_order(clock, offer, member_id=member_id)
        intent = await authorize(gateway, new.order)
        if isinstance(intent, GatewayUnavailable):
            return intent
        paid = msgspec.structs.replace(
            new.order, payment_intent_id=intent.id, client_secret=intent.client_secret
        )
        new = msgspec.structs.replace(new, order=paid)
        first = await answer(new)
        try:
            written = await _insert(pool, new, key=key, claim_id=offer.claim_id, answer=first)
        except asyncpg.UniqueViolationError:
            written = False
    except BaseException:
        if offer.claim_id is not None:
            await give_back_after(pool, store_id=offer.request.store_id, claim_id=offer.claim_id)
        raise
    if written:
        return first
    try:
        await gateway.cancel(intent.id)
    except GatewayUnavailable:
        log.warning("PaymentIntent %s of an order not stored left unconfirmed", intent.id)
    return None
