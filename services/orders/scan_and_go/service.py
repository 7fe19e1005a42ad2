"""Scan-and-go's use cases: a shopper scans with their phone, pays in the app, and shows a signed
exit code at the door.

Scans are priced as every sale is (services/orders/sale); no stock is held while scanning.
Checking out freezes the lines and creates a PaymentIntent (captured on confirmation) while only
the cart's row is locked. When the payment has succeeded the stock is taken (the till rule,
stock.store), the sale recorded and the cart paid, in one transaction. A shopper sees only their
own carts.
"""

from __future__ import annotations

import hashlib

import asyncpg

from services.orders.payments.gateway import PaymentIntent, StripeGateway
from services.orders.sale import service as selling
from services.orders.sale.domain import combine
from services.orders.sale.store import SaleRow
from services.orders.scan_and_go import store as db
from services.orders.scan_and_go.domain import check_open, check_room, read_exit, sign_exit
from services.orders.scan_and_go.views import CartView, ExitChecked, cart_view
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, NotFound
from shared.ids import uuid7
from shared.money import Money


async def own_cart(
    conn: asyncpg.Connection, *, store_id: str, cart_id: str, member_id: str, lock: bool = False
) -> db.CartRow:
    """The member's cart; anyone else's does not exist, as far as they know."""
    cart = await db.get_cart(conn, store_id=store_id, cart_id=cart_id, lock=lock)
    if cart is None or cart.member_id != member_id:
        raise NotFound(f"you have no cart {cart_id} in {store_id}", field="cart_id")
    return cart


async def view(
    conn: asyncpg.Connection, clock: Clock, cart: db.CartRow, *, secret: str
) -> CartView:
    """The cart as its shopper sees it; once paid, with a fresh exit code until it is used."""
    lines = await db.cart_lines(conn, store_id=cart.store_id, cart_id=cart.cart_id)
    exit = None
    if cart.status == "paid" and cart.exit_at is None:
        exit = sign_exit(secret, cart.store_id, cart.cart_id, clock.now())
    return cart_view(cart, lines, exit)


async def open_cart(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, member_id: str
) -> CartView:
    rules = await selling.load_till(conn, store_id)
    cart_id = f"sgc_{uuid7().hex}"
    keys = {"store_id": store_id, "cart_id": cart_id}
    await db.insert_cart(
        conn, **keys, member_id=member_id, currency=rules.currency, now=clock.now()
    )
    cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id)
    return cart_view(cart, [], None)


async def add_scan(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    cart_id: str,
    member_id: str,
    barcode: str,
    secret: str,
) -> CartView:
    cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id, lock=True)
    check_open(cart.status)
    check_room(len(await db.cart_lines(conn, store_id=store_id, cart_id=cart_id)))
    rules = await selling.load_till(conn, store_id)
    [line] = await selling.price_codes(conn, store_id, rules, [barcode], ["barcode"])
    await db.add_cart_line(conn, store_id=store_id, cart_id=cart_id, line=line, now=clock.now())
    return await view(conn, clock, cart, secret=secret)


async def remove_scan(
    conn: asyncpg.Connection,
    clock: Clock,
    *,
    store_id: str,
    cart_id: str,
    member_id: str,
    line_no: int,
    secret: str,
) -> CartView:
    """Take a scanned item out of the cart; removing it again changes nothing."""
    cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id, lock=True)
    check_open(cart.status)
    keys = {"store_id": store_id, "cart_id": cart_id}
    if await db.remove_cart_line(conn, **keys, line_no=line_no, now=clock.now()) is None:
        raise NotFound(f"the cart has no line {line_no}", field="line_no")
    return await view(conn, clock, cart, secret=secret)


async def check_out(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    *,
    store_id: str,
    cart_id: str,
    member_id: str,
    secret: str,
) -> CartView:
    """Freeze the lines and create the cart's PaymentIntent once; a repeat returns it."""
    async with pool.acquire() as conn, conn.transaction():
        cart = await own_cart(
            conn, store_id=store_id, cart_id=cart_id, member_id=member_id, lock=True
        )
        if cart.status == "open":
            lines = await db.cart_lines(conn, store_id=store_id, cart_id=cart_id)
            if not lines:
                raise Conflict("the cart is empty; scan something first", field="cart_id")
            total = sum(x.amount for x in lines)
            # Same lines, same key: a retry after a lost answer finds the same PaymentIntent.
            scanned = ",".join(f"{x.line_no}:{x.amount}" for x in lines).encode()
            key = f"scan-and-go-{cart_id}-{hashlib.sha256(scanned).hexdigest()[:16]}"
            # Only the cart's row is locked while the gateway answers; no stock row is.
            intent = await gateway.charge_on_confirm(
                store_id=store_id,
                cart_id=cart_id,
                amount=total,
                currency=cart.currency,
                idempotency_key=key,
            )
            await db.set_cart_intent(
                conn,
                store_id=store_id,
                cart_id=cart_id,
                intent_id=intent.id,
                client_secret=intent.client_secret,
            )
            cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id)
        return await view(conn, clock, cart, secret=secret)


async def confirm(
    pool: asyncpg.Pool,
    gateway: StripeGateway,
    clock: Clock,
    *,
    store_id: str,
    cart_id: str,
    member_id: str,
    payment_method: str,
    secret: str,
) -> CartView:
    """Dev only: pay with a test card, as the app's Stripe SDK would; then the cart is paid."""
    async with pool.acquire() as conn:
        cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id)
    if cart.status == "open" or cart.payment_intent_id is None:
        raise Conflict("check the cart out first", field="cart_id")
    if cart.status == "paying":
        intent = await gateway.confirm(cart.payment_intent_id, payment_method)
        if intent.status != "succeeded":
            raise InvalidInput(
                f"the card was not charged ({intent.status})", field="payment_method"
            )
        async with pool.acquire() as conn, conn.transaction():
            await paid(conn, clock, store_id=store_id, cart_id=cart_id, intent=intent)
    async with pool.acquire() as conn:
        cart = await own_cart(conn, store_id=store_id, cart_id=cart_id, member_id=member_id)
        return await view(conn, clock, cart, secret=secret)


async def paid(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, cart_id: str, intent: PaymentIntent
) -> None:
    """The cart's payment succeeded: take its stock, record the sale, mark it paid. Idempotent."""
    cart = await db.get_cart(conn, store_id=store_id, cart_id=cart_id, lock=True)
    if cart is None or cart.status != "paying" or intent.status != "succeeded":
        return
    if intent.id != cart.payment_intent_id:
        return
    lines = combine(await db.cart_lines(conn, store_id=store_id, cart_id=cart_id))
    if intent.amount != sum(x.amount for x in lines):  # paid, but not for these lines
        return
    now = clock.now()
    sale = SaleRow(
        store_id=store_id,
        sale_id=f"sal_{uuid7().hex}",
        channel="scan_and_go",
        sold_by=cart.member_id,
        member_id=cart.member_id,
        currency=cart.currency,
        total=sum(x.amount for x in lines),
        tender="card_online",
        received=None,
        reference=intent.id,
        order_id=None,
        sold_at=now,
    )
    await selling.record(conn, sale, lines)
    await db.set_cart_paid(conn, store_id=store_id, cart_id=cart_id, sale_id=sale.sale_id, at=now)


async def verify_exit(
    conn: asyncpg.Connection, clock: Clock, *, store_id: str, payload: str, secret: str, by: str
) -> ExitChecked:
    """Let a paid cart out of the store, once."""
    now = clock.now()
    code_store, cart_id = read_exit(secret, payload, now)
    if code_store != store_id:
        raise NotFound(f"this exit code is for store {code_store}, not {store_id}", field="payload")
    cart = await db.get_cart(conn, store_id=store_id, cart_id=cart_id, lock=True)
    if cart is None or cart.status != "paid" or cart.paid_at is None:
        raise NotFound(f"{store_id} has no paid cart {cart_id}", field="payload")
    if cart.exit_at is not None:
        raise Conflict(
            f"this cart was let out already, at {cart.exit_at:%H:%M:%S} UTC", field="payload"
        )
    await db.set_cart_exit(conn, store_id=store_id, cart_id=cart_id, at=now, by=by)
    lines = await db.cart_lines(conn, store_id=store_id, cart_id=cart_id)
    return ExitChecked(
        cart_id=cart_id,
        line_count=len(lines),
        total=Money(sum(x.amount for x in lines), cart.currency),
        paid_at=cart.paid_at,
    )
