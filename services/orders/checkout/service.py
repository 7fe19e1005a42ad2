"""Checkout's use cases, in the phases that keep stock rows free of network waits: the offer
here, the order stored in `placing`, paid for in `paying`.

1. `offer`: the store's rules and the lines priced (no lock), and stock claimed for the basket
   in the same statement, committed at once (with it, whether the request's Idempotency-Key
   was stored, and whether the shopper deleted their account); then delivery's promise for the
   order (network, no transaction, no row held). If the quote fails the claim is given back.
2. The app's checkout of a key no request has stored (`placing.place_at_once`): the
   PaymentIntent made for the order as it will be stored (network, no row held), then one
   statement storing the order taking the claim over, its PaymentIntent and the request's
   answer, committed together: two statements a placement in all (docs/design.md, "Checkout in
   two round trips"; issue 19). What that statement cannot write goes on in 3.
3. Everything else, in the transaction of the request's Idempotency-Key (`placing.placing`),
   the key claimed first so a duplicate waits on its row: `placing.place` stores the order
   awaiting payment, taking the claim over (or finds the key's first order, and gives the
   claim back); `paying.pay_for` creates the PaymentIntent (network), or on the gateway's
   failure releases the stock, marks the order failed and refuses (`PaymentFailed`, which
   commits that); the app's checkout then stores the answer in the same transaction. The
   counter (`on_behalf`) pays in a transaction of its own, holding the order's row lock, so a
   duplicate waits instead of paying twice.
4. When the payment is authorized (dev confirm, or Stripe's webhook) the order is placed and
   `order.placed` goes to fulfillment and delivery, in the same transaction
   (`paying.authorized`).

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
from datetime import datetime, timedelta

import asyncpg
import msgspec

from services.orders.catalog.tax import TaxClass
from services.orders.checkout import store as db
from services.orders.checkout.domain import (
    OrderRequest,
    Promised,
    check_request,
    price_lines,
)
from services.orders.checkout.quotes import NoPromise, QuoteClient
from services.orders.stock import store as stock
from shared.clock import Clock
from shared.db import DATABASE_GONE
from shared.errors import Conflict, NotFound, Unauthenticated
from shared.events import PlacedLine
from shared.ids import uuid7
from shared.web.access import ERASED
from shared.web.idempotency import KeyOf

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
            await give_back_after(pool, store_id=request.store_id, claim_id=claim_id)
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
        await give_back_after(pool, store_id=request.store_id, claim_id=claim_id)
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


async def give_back_after(pool: asyncpg.Pool, *, store_id: str, claim_id: str) -> None:
    """Let go of a failed checkout's claim, on its own. If the database is out of reach the
    checkout's own error is the one to answer, and the sweep gives the claim back later."""
    try:
        await stock.release_claim(pool, store_id=store_id, claim_id=claim_id)
    except DATABASE_GONE:
        log.warning("stock claim %s left to the sweep: the database is out of reach", claim_id)
