"""Checkout's use cases, in the phases that keep stock rows free of network waits.

1. `offer`: the store's rules and the lines priced (no lock), and stock claimed for the basket
   in the same statement, committed at once (with it, whether the request's Idempotency-Key
   was stored, and whether the shopper deleted their account); then delivery's promise for the
   order (network, no transaction, no row held). If the quote fails the claim is given back.
2. The app's checkout of a key no request has stored (`place_at_once`): the PaymentIntent made
   for the order as it will be stored (network, no row held), then one statement storing the
   order taking the claim over, its PaymentIntent and the request's answer, committed
   together: two statements a placement in all (docs/design.md, "Checkout in two round
   trips"; issue 19). What that statement cannot write goes on in 3.
3. Everything else, in the transaction of the request's Idempotency-Key (`placing`), the key
   claimed first so a duplicate waits on its row: `place` stores the order awaiting payment,
   taking the claim over (or finds the key's first order, and gives the claim back); `pay_for`
   creates the PaymentIntent (network), or on the gateway's failure releases the stock, marks
   the order failed and refuses (`PaymentFailed`, which commits that); the app's checkout then
   stores the answer in the same transaction. The counter (`on_behalf`) pays in a transaction
   of its own, holding the order's row lock, so a duplicate waits instead of paying twice.
4. When the payment is authorized (dev confirm, or Stripe's webhook) the order is placed and
   `order.placed` goes to fulfillment and delivery, in the same transaction (`authorized`).

Stock is claimed before the quote, not reserved after it (issue 19 part 4; the design's first
rule was quote, then reserve and store): on a hot sku the checkouts that cannot be served must
hear so at once, and when every checkout quoted first, the whole first wave of a flash sale
waited for delivery's answers before it reached the row and found it sold out. A claim holds the
row for one statement, so no network call is still made while a stock row is locked. The price
is a reservation that may outlive its checkout: every failure after the claim gives it back in
the same code path, and a claim whose process died before that is given back after `CLAIM_S`
(`cancelling.expire_claims`); an order whose claim expired before it was stored reserves afresh
in 3's transaction, as before. A sold-out basket claims nothing, and is refused at once (a key
some request stored replays its first answer instead).

A request that stopped half-way in 3 is resumed from the order its key placed: `place` finds
it, `pay_for` makes its PaymentIntent or refuses again as the first time did. A crash in 2
before its statement leaves a claim for the sweep and a PaymentIntent nobody confirms (no money
moves), and a retry with the key starts afresh.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.orders.catalog.tax import TaxClass
from services.orders.checkout import store as db
from services.orders.checkout.domain import (
    OrderRequest,
    PaymentFailed,
    Promised,
    check_request,
    line_cost,
    price_lines,
    totals,
)
from services.orders.checkout.quotes import NoPromise, QuoteClient
from services.orders.checkout.views import OrderView, order_view, visible_order
from services.orders.metrics import ORDERS_PLACED
from services.orders.on_behalf import store as behalf
from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderKey, OrderRow
from services.orders.payments import store as payments
from services.orders.payments.gateway import GatewayUnavailable, PaymentIntent, StripeGateway
from services.orders.stock import store as stock
from shared.auth import Principal
from shared.bus import publish
from shared.clock import Clock
from shared.db import DATABASE_GONE, unit_of_work
from shared.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from shared.events import OrderPlaced, PlacedLine
from shared.ids import uuid7
from shared.web.access import ERASED
from shared.web.idempotency import FirstAnswer, KeyOf

log = logging.getLogger(__name__)
# How long a claim outlives its checkout if the process dies before giving it back: far longer
# than a quote may take (its timeout is at most 10 s) and the order's short transaction.
CLAIM_S = 60


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """What the store says to an order before anything is written: its rules, its lines at
    today's prices, the stock claimed for it (`claim_id`) and the promise; or, for a basket
    with a sold-out sku, which skus (`short`), and neither claim nor promise."""

    request: OrderRequest
    rules: db.StoreRules
    lines: list[PlacedLine]
    promised: Promised | None
    short: list[str]
    claim_id: str | None = None
    key_seen: bool = False  # a request stored the request's Idempotency-Key already
    tax_classes: dict[str, TaxClass] = {}  # each sku's, as it was read with its price


def check_promise(promised: Promised, request: OrderRequest) -> datetime:
    """The time promised, if the order may take it."""
    if not promised.deliverable:
        raise NoPromise(
            promised.reason or "the address is outside the delivery zone", field="address"
        )
    if promised.promise_at is None:  # no rider on shift: no time can be promised
        raise NoPromise(promised.reason or "the store cannot deliver now", field="fulfilment")
    if not promised.meets_30_minutes and not request.accept_later_promise:
        raise NoPromise(
            f"{promised.reason}; the earliest we can promise is {promised.promise_at:%H:%M} UTC "
            "(send accept_later_promise=true to take it)",
            field="accept_later_promise",
            promise_at=promised.promise_at.isoformat(),
        )
    return promised.promise_at


def not_enough(lines: list[PlacedLine], short: list[str]) -> Conflict:
    """The refusal of a basket some of whose skus are sold out, naming the first."""
    index = next(i for i, line in enumerate(lines) if line.sku == short[0])
    return Conflict(
        f"not enough {short[0]} left for this order", field=f"lines[{index}].sku", skus=short
    )


async def offer(
    pool: asyncpg.Pool,
    quotes: QuoteClient,
    clock: Clock,
    request: OrderRequest,
    *,
    key: KeyOf | None = None,
    member_id: str | None = None,
) -> Offer:
    """Phase 1: the store's rules, the lines priced, the stock claimed, and the promise delivery
    makes for the order's address (or the store itself, for a pickup). No transaction is open
    and no row held while delivery answers. A basket with a sold-out sku (as last committed,
    read without a lock, or under the claim's) claims nothing and asks for no promise: `place`
    refuses it at once instead of queueing behind those that can still be served. `key`: the
    request's Idempotency-Key, looked up in the same trip (`Offer.key_seen`). `member_id`: the
    shopper whose token the guard left to this trip to refuse if they deleted their account
    (`allow(erased_by_handler=True)`), before anything is claimed."""
    check_request(request)
    claim_id = f"clm_{uuid7().hex}"
    # Pieces or grams, whichever the line sends (`price_lines` refuses a line that sends the
    # wrong one, and then the claim is given back).
    wanted = {line.sku: line.quantity or line.grams or 0 for line in request.lines}
    async with pool.acquire() as conn:
        erased, basket = await db.offer(
            conn,
            store_id=request.store_id,
            claim_id=claim_id,
            wanted=wanted,
            expires_at=clock.now() + timedelta(seconds=CLAIM_S),
            key=key,
            member_id=member_id,
        )
    if erased:
        raise Unauthenticated(ERASED)
    if basket is None:
        raise NotFound(f"there is no store {request.store_id}", field="store_id")
    try:
        catalog = {s: x.product for s, x in basket.stocked.items()}
        lines = price_lines(request, catalog, basket.rules.currency)
    except BaseException:
        if basket.short == []:
            await _give_back_after(pool, store_id=request.store_id, claim_id=claim_id)
        raise
    short = basket.short
    if short is None:
        short = sorted(x.sku for x in lines if basket.stocked[x.sku].available < x.quantity)
    if short:
        return Offer(
            request=request,
            rules=basket.rules,
            lines=lines,
            promised=None,
            short=short,
            key_seen=basket.key_seen,
        )
    where = request.address or basket.rules
    try:
        promised = await quotes.quote(
            store_id=request.store_id,
            lat=where.lat,
            lng=where.lng,
            pickup=request.fulfilment == "pickup",
        )
    except BaseException:
        await _give_back_after(pool, store_id=request.store_id, claim_id=claim_id)
        raise
    return Offer(
        request=request,
        rules=basket.rules,
        lines=lines,
        promised=promised,
        short=[],
        claim_id=claim_id,
        key_seen=basket.key_seen,
        tax_classes={s: x.product.tax_class for s, x in basket.stocked.items()},
    )


async def give_back(conn: asyncpg.Connection, offer: Offer) -> None:
    """Let go of the stock `offer` claimed, in `conn`'s transaction: a replayed request's."""
    if offer.claim_id is not None:
        await stock.release_claim(conn, store_id=offer.request.store_id, claim_id=offer.claim_id)


async def _give_back_after(pool: asyncpg.Pool, *, store_id: str, claim_id: str) -> None:
    """Let go of a failed checkout's claim, on its own. If the database is out of reach the
    checkout's own error is the one to answer, and the sweep gives the claim back later."""
    try:
        await stock.release_claim(pool, store_id=store_id, claim_id=claim_id)
    except DATABASE_GONE:
        log.warning("stock claim %s left to the sweep: the database is out of reach", claim_id)


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
            await _give_back_after(pool, store_id=offer.request.store_id, claim_id=offer.claim_id)
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
    commits them together: three trips to PostgreSQL a placement in all, where `placing`'s
    transaction takes eight. Returns the answer stored; or, for `placing`'s transaction to take
    over with the claim still held: the gateway's failure, which `pay_for` records there
    without asking the gateway again; or None when the statement wrote nothing (another request
    stored the key first, which `placing` replays, or the claim expired), the PaymentIntent
    made for it cancelled. Any error gives the claim back."""
    try:
        new = new_order(clock, offer, member_id=member_id)
        intent = await _authorize(gateway, new.order)
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
            await _give_back_after(pool, store_id=offer.request.store_id, claim_id=offer.claim_id)
        raise
    if written:
        return first
    try:
        await gateway.cancel(intent.id)
    except GatewayUnavailable:
        log.warning("PaymentIntent %s of an order not stored left unconfirmed", intent.id)
    return None


async def release_stock(conn: asyncpg.Connection, order: OrderRow) -> None:
    lines = await orders.lines(conn, store_id=order.store_id, order_id=order.order_id)
    await stock.release(conn, store_id=order.store_id, amounts={x.sku: x.quantity for x in lines})


async def pay_for(
    conn: asyncpg.Connection,
    gateway: StripeGateway,
    clock: Clock,
    placed: OrderKey,
    *,
    new: OrderRow | None = None,
    failed: GatewayUnavailable | None = None,
) -> OrderRow:
    """Phase 3, in a transaction whose refusal commits what it wrote (`unit_of_work`,
    `placing`): create the order's PaymentIntent once. If the gateway fails, the reservation is
    undone and the order failed, and `PaymentFailed` refuses; an order that failed so before is
    refused the same way. The caller may go on in the transaction (checkout stores its answer
    to the Idempotency-Key there). `new`: the order as this same transaction stored it
    (`NewOrder.order`); no other transaction sees it before the commit, so it is neither locked
    nor read (a `NewOrder` from an earlier transaction must not be passed: it is locked).
    `failed`: how the gateway failed this checkout already (`place_at_once`), recorded as if
    it had failed now, without asking again."""
    keys = {"store_id": placed.store_id, "order_id": placed.order_id}
    order = new or await orders.lock_order(conn, **keys)
    if order.status == "payment_failed":
        raise PaymentFailed(order.failure)
    if order.payment_intent_id or order.status != "awaiting_payment":
        return order
    intent = failed or await _authorize(gateway, order)
    if isinstance(intent, GatewayUnavailable):
        await release_stock(conn, order)
        await orders.set_status(conn, **keys, status="payment_failed", failure=intent.detail)
        await payments.add_ledger(
            conn,
            **keys,
            kind="authorize_failed",
            amount=order.to_authorize,
            currency=order.currency,
            gateway_id=None,
            at=clock.now(),
        )
        raise PaymentFailed(intent.detail)
    return await orders.set_intent(
        conn, **keys, intent_id=intent.id, client_secret=intent.client_secret
    )


async def _authorize(gateway: StripeGateway, order: OrderRow) -> PaymentIntent | GatewayUnavailable:
    """The order's PaymentIntent, or how the gateway failed to make it."""
    try:
        return await gateway.authorize(
            store_id=order.store_id,
            order_id=order.order_id,
            amount=order.to_authorize,
            currency=order.currency,
        )
    except GatewayUnavailable as exc:
        return exc


async def authorized(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    order_id: str,
    intent: PaymentIntent | None,
) -> OrderRow:
    """The payment is authorized, or (`intent` None: an order staff placed for a member who pays
    at the door) will be taken on delivery: place the order and tell the other services.
    Idempotent."""
    order = await orders.lock_order(conn, store_id=store_id, order_id=order_id)
    if order.status != "awaiting_payment" or (intent and intent.status != "requires_capture"):
        return order
    now = clock.now()
    keys = {"store_id": store_id, "order_id": order_id}
    counter = await behalf.codes_of(conn, **keys)  # an order staff placed for a member
    await orders.set_status(conn, **keys, status="placed")
    await orders.add_stage(conn, **keys, stage="paid" if intent else "placed", at=now)
    if intent:
        await payments.add_ledger(
            conn,
            **keys,
            kind="authorize",
            amount=intent.amount,
            currency=order.currency,
            gateway_id=intent.id,
            at=now,
        )
    await publish(
        conn,
        OrderPlaced(
            store_id=store_id,
            order_id=order_id,
            member_id=order.member_id,
            fulfilment=order.fulfilment,
            address=order.address,
            promise_at=order.promise_at,
            lines=await orders.placed_lines(conn, **keys),
            handover_code=counter.handover_code if counter else None,
        ),
        occurred_at=now,
    )
    ORDERS_PLACED.labels(store_id, "counter" if counter else "app", order.fulfilment).inc()
    return await orders.lock_order(conn, **keys)


async def confirm_payment(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    principal: Principal,
    *,
    order_id: str,
    payment_method: str,
) -> OrderView:
    """Dev only: confirm with a test card, as the app's Stripe SDK would."""
    async with pool.acquire() as conn:
        order = await visible_order(conn, principal, order_id)
    if order.status != "awaiting_payment" or order.payment_intent_id is None:
        raise Conflict(f"the order is {order.status}; there is nothing to pay", field="order_id")
    intent = await gateway.confirm(order.payment_intent_id, payment_method)
    if intent.status != "requires_capture":
        raise InvalidInput(f"the card was not authorized ({intent.status})", field="payment_method")
    async with pool.acquire() as conn, conn.transaction():
        placed = await authorized(
            conn, clock, store_id=order.store_id, order_id=order.order_id, intent=intent
        )
        return await order_view(conn, placed, principal.role)
