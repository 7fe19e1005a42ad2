"""Scan-and-go's HTTP API: the shopper's cart from first scan to payment, and the exit check
at the door."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.params import FromPath

from services.orders.deps import GATEWAY_PROBLEMS, Gateway, Settings
from services.orders.sale.domain import Barcode
from services.orders.scan_and_go import service
from services.orders.scan_and_go.views import CartView, ExitChecked
from shared.auth import Role
from shared.errors import NotFound
from shared.web.access import allow
from shared.web.deps import Caller, Now, Pool, Secret, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example

SHOPPER = [allow(Role.SHOPPER)]
CARTS = "/v1/stores/{store_id:str}/scan-and-go/carts"


class ScanRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    barcode: Barcode


class CartPaymentConfirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_method: Annotated[str, msgspec.Meta(examples=["pm_card_visa"])] = "pm_card_visa"


class ExitCheck(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


@post(CARTS, guards=SHOPPER, tags=["scan-and-go"], operation_id="openCart")
async def open_cart(
    request: Request,
    store_id: FromPath[str],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[CartView]:
    """Open a scan-and-go cart in a store (shoppers)."""
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.open_cart(
            conn, clock, store_id=store_id, member_id=principal.member_id or ""
        ),
    )


@get(CARTS + "/{cart_id:str}", guards=SHOPPER, tags=["scan-and-go"], operation_id="getCart")
async def get_cart(
    store_id: FromPath[str],
    cart_id: FromPath[str],
    conn: Tx,
    clock: Now,
    principal: Caller,
    secret: Secret,
) -> CartView:
    """The shopper's own cart; once paid, with the exit code to show at the door (15 minutes,
    a fresh one on every read, until a cashier has let the cart out)."""
    cart = await service.own_cart(
        conn, store_id=store_id, cart_id=cart_id, member_id=principal.member_id or ""
    )
    return await service.view(conn, clock, cart, secret=secret)


SCAN_EXAMPLE = example(
    ScanRequest,
    {"barcode": "4900000100013"},
    "A cabbage scanned in the aisle",
)


@post(CARTS + "/{cart_id:str}/scans", guards=SHOPPER, tags=["scan-and-go"], operation_id="scan")
async def scan(
    request: Request,
    store_id: FromPath[str],
    cart_id: FromPath[str],
    data: Annotated[ScanRequest, SCAN_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
    secret: Secret,
) -> Response[CartView]:
    """Add a scanned item to the shopper's open cart, priced as at the till; stock is not held
    (it is taken at payment). A resent scan with the same Idempotency-Key adds nothing."""
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.add_scan(
            conn,
            clock,
            store_id=store_id,
            cart_id=cart_id,
            member_id=principal.member_id or "",
            barcode=data.barcode,
            secret=secret,
        ),
    )


@delete(
    CARTS + "/{cart_id:str}/scans/{line_no:int}",
    guards=SHOPPER,
    tags=["scan-and-go"],
    operation_id="removeScan",
    status_code=200,
)
async def remove_scan(
    store_id: FromPath[str],
    cart_id: FromPath[str],
    line_no: FromPath[int],
    conn: Tx,
    clock: Now,
    principal: Caller,
    secret: Secret,
) -> CartView:
    """Take a scanned item out of the shopper's open cart (removing it twice is harmless)."""
    return await service.remove_scan(
        conn,
        clock,
        store_id=store_id,
        cart_id=cart_id,
        member_id=principal.member_id or "",
        line_no=line_no,
        secret=secret,
    )


@post(
    CARTS + "/{cart_id:str}/checkout",
    guards=SHOPPER,
    tags=["scan-and-go"],
    operation_id="checkOutCart",
    status_code=200,
    responses=GATEWAY_PROBLEMS,
)
async def check_out(
    store_id: FromPath[str],
    cart_id: FromPath[str],
    pool: Pool,
    clock: Now,
    principal: Caller,
    gateway: Gateway,
    secret: Secret,
) -> CartView:
    """Freeze the cart and create its PaymentIntent (captured when confirmed); the app confirms
    it with Stripe's SDK using `payment.client_secret`. 409 for an empty cart.

    No Idempotency-Key, because a repeat creates nothing new: the cart's row is locked while
    its PaymentIntent is made and the intent is kept on the cart, so a repeat, even one sent
    at the same moment, answers the same cart with the same PaymentIntent; and Stripe is asked
    with a key made of the cart and its lines, so a retry after a lost answer finds the intent
    Stripe made the first time."""
    return await service.check_out(
        pool,
        gateway,
        clock,
        store_id=store_id,
        cart_id=cart_id,
        member_id=principal.member_id or "",
        secret=secret,
    )


PAYMENT_EXAMPLE = example(
    CartPaymentConfirmation,
    {"payment_method": "pm_card_visa"},
    "Pay with the card on file",
)


@post(
    CARTS + "/{cart_id:str}/confirm-payment",
    guards=SHOPPER,
    tags=["scan-and-go"],
    operation_id="confirmCartPayment",
    status_code=200,
    responses=GATEWAY_PROBLEMS,
)
async def confirm_payment(
    store_id: FromPath[str],
    cart_id: FromPath[str],
    data: Annotated[CartPaymentConfirmation, PAYMENT_EXAMPLE],
    pool: Pool,
    clock: Now,
    principal: Caller,
    gateway: Gateway,
    settings: Settings,
    secret: Secret,
) -> CartView:
    """Dev only: pay the cart with a Stripe test card (`pm_card_visa`), as the app's SDK does in
    production. When the payment succeeds the stock is taken and the cart shows its exit code.
    Confirming a paid cart again changes nothing: no Idempotency-Key."""
    if settings.env != "dev":
        raise NotFound("confirm-payment exists in dev only; the app confirms with Stripe")
    return await service.confirm(
        pool,
        gateway,
        clock,
        store_id=store_id,
        cart_id=cart_id,
        member_id=principal.member_id or "",
        payment_method=data.payment_method,
        secret=secret,
    )


EXIT_EXAMPLE = example(
    ExitCheck,
    {"payload": "OMOX1.kobe-sannomiya.cart_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c6.1796544000.Xk3v9Qp2"},
    "The exit QR shown at the gate",
)


@post(
    "/v1/stores/{store_id:str}/scan-and-go/exits/verify",
    guards=[allow(Role.CASHIER, Role.MANAGER)],
    tags=["scan-and-go"],
    operation_id="verifyCartExit",
    status_code=200,
)
async def verify_exit(
    store_id: FromPath[str],
    data: Annotated[ExitCheck, EXIT_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    secret: Secret,
) -> ExitChecked:
    """Check a paid cart's exit code at the door, once (the store's cashiers and manager): 422
    if it is malformed, not ours or expired, 404 if it is another store's, 409 if used already."""
    return await service.verify_exit(
        conn,
        clock,
        store_id=store_id,
        payload=data.payload,
        secret=secret,
        by=principal.subject,
    )


ROUTES = [open_cart, get_cart, scan, remove_scan, check_out, confirm_payment, verify_exit]
