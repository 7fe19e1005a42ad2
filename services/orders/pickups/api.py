"""Pickups' HTTP API: show a pickup order's code, give it away, redeem it at the counter."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from services.orders.checkout import views
from services.orders.members.domain import Phone
from services.orders.pickups import service
from services.orders.pickups.domain import Collected, IssuedCode
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Secret, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example


class TransferRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    to_phone: Phone | None = None  # whom the app sends the new code to; kept for support
    note: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class RedeemRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    payload: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=200,
            description="The scanned QR code",
            examples=["OMOP1.kobe-sannomiya.ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4.1.x"],
        ),
    ]


@get(
    "/v1/orders/{order_id:str}/pickup-code",
    guards=[allow(Role.SHOPPER)],
    tags=["pickups"],
    operation_id="getPickupCode",
)
async def get_pickup_code(
    order_id: FromPath[str], conn: Tx, clock: Now, principal: Caller, secret: Secret
) -> IssuedCode:
    """The QR payload to collect a packed pickup order with (its shopper). It does not expire,
    but works once, and only while it is the latest version (see transfer). 409 "not packed
    yet" before packing, or once the order is collected."""
    order = await views.visible_order(conn, principal, order_id)
    return await service.show_code(conn, clock, secret=secret, order=order)


TRANSFER_EXAMPLE = example(
    TransferRequest,
    {"to_phone": "+819087654321", "note": "For your dinner tonight"},
    "A pickup given to a friend",
)


@post(
    "/v1/orders/{order_id:str}/pickup-code/transfer",
    guards=[allow(Role.SHOPPER)],
    status_code=200,
    tags=["pickups"],
    operation_id="transferPickupCode",
)
async def transfer_pickup_code(
    request: Request,
    order_id: FromPath[str],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
    secret: Secret,
    data: Annotated[TransferRequest | None, TRANSFER_EXAMPLE] = None,
) -> Response[IssuedCode]:
    """Give a packed pickup order to someone else (its shopper): a new code, which the app sends
    to them; every earlier code, the shopper's own included, stops working. Transferring again
    (with a new key) takes a gift back or sends it to someone else. A repeat with the same
    Idempotency-Key returns the same code instead of issuing another.
    """
    order = await views.visible_order(conn, principal, order_id)
    gift = data or TransferRequest()
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.transfer_code(
            conn,
            clock,
            secret=secret,
            order=order,
            to_phone=gift.to_phone,
            note=gift.note,
        ),
        status_code=200,
    )


REDEEM_EXAMPLE = example(
    RedeemRequest,
    {"payload": "OMOP1.kobe-sannomiya.ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4.1.Xk3v9Qp2"},
    "The pickup QR scanned at the counter",
)


@post(
    "/v1/stores/{store_id:str}/pickups/redeem",
    guards=[allow(Role.CASHIER, Role.MANAGER)],
    status_code=200,
    tags=["pickups"],
    operation_id="redeemPickupCode",
)
async def redeem_pickup_code(
    store_id: FromPath[str],
    data: Annotated[RedeemRequest, REDEEM_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    secret: Secret,
) -> Collected:
    """Hand over a pickup order against its scanned code (the store's cashiers and manager): the
    lines to hand over, and the order is collected. 422 for a code we did not sign, 404 for
    another store's order, 409 for a transferred code or an order already collected or not
    packed. Takes no Idempotency-Key: a code works once, so a repeat is refused with 409."""
    return await service.redeem(
        conn,
        clock,
        secret=secret,
        store_id=store_id,
        payload=data.payload,
        by=principal.subject,
    )


ROUTES = [get_pickup_code, transfer_pickup_code, redeem_pickup_code]
