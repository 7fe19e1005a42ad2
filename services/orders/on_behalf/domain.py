"""Orders staff place on a member's behalf: what the counter asks, how it becomes the app's own
order request, the codes its receipt prints, and what tracking by code shows. Pure, no I/O.

The order is the app's order (checkout's quote, reservation, PaymentIntent and promise; picking,
substitutions and settlement after it): only who asks differs. A line that does not say how to
substitute takes the member's standing preference; the address, when not given, is the one the
member registered.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from services.orders.checkout.domain import (
    MAX_GRAMS,
    MAX_PIECES,
    MIN_GRAMS,
    LineRequest,
    NamedSubstitute,
    OrderRequest,
    Substitution,
)
from services.orders.members.domain import OnFile
from shared.errors import InvalidInput
from shared.events import Address, Fulfilment, OrderStatus
from shared.ids import CROCKFORD, paper_code

# By card at the counter (its terminal confirms the app's PaymentIntent), or at the door: the
# rider takes the packed total (card terminal or cash) as they hand the bags over.
Payment = Literal["counter_card", "on_delivery"]
TRACKING_CHARS = 10  # 50 bits: not guessed at a rate-limited door


class BehalfLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_PIECES)] | None = None
    grams: Annotated[int, msgspec.Meta(ge=MIN_GRAMS, le=MAX_GRAMS)] | None = None
    # None: the member's standing preference decides
    substitution: Substitution | NamedSubstitute | None = None


class BehalfRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An order staff place for a member, named by `member_id` or by the code they show
    (their printed card, or the app's member code)."""

    member_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    member_code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    fulfilment: Fulfilment
    address: Address | None = None  # a delivery's door when not the member's registered one
    lines: Annotated[list[BehalfLine], msgspec.Meta(min_length=1, max_length=100)]
    accept_later_promise: bool = False
    payment: Payment = "counter_card"


def check_request(request: BehalfRequest) -> None:
    """The member named one way only; paying at the door only for a delivery."""
    if (request.member_id is None) == (request.member_code is None):
        raise InvalidInput(
            "name the member by member_id or member_code, one of them", field="member_id"
        )
    if request.payment == "on_delivery" and request.fulfilment != "delivery":
        raise InvalidInput("only a delivery is paid at the door", field="payment")


def order_request(store_id: str, request: BehalfRequest, member: OnFile) -> OrderRequest:
    """The app's order request this counter order is: the member's address for a delivery
    unless another is given, and their standing preference on lines that say nothing."""
    address = request.address
    if request.fulfilment == "delivery" and address is None:
        if member.address is None:
            raise InvalidInput(
                "this member registered no address: give the delivery's", field="address"
            )
        address = member.address
    return OrderRequest(
        store_id=store_id,
        fulfilment=request.fulfilment,
        address=address,
        lines=[
            LineRequest(
                sku=x.sku,
                quantity=x.quantity,
                grams=x.grams,
                substitution=member.substitution if x.substitution is None else x.substitution,
            )
            for x in request.lines
        ],
        accept_later_promise=request.accept_later_promise,
    )


def new_tracking_code() -> str:
    """Two groups of five characters (such as `7K3QM-2ZDP9`): what a receipt prints to follow the
    order with, without an account."""
    return paper_code(2, TRACKING_CHARS // 2)


def read_tracking_code(code: str) -> str | None:
    """The code as stored (read case- and dash-blind, O as 0, I and L as 1); None if it cannot
    be one, so nothing is looked up."""
    plain = code.strip().upper().replace("-", "").replace("O", "0").replace("I", "1")
    plain = plain.replace("L", "1")
    if len(plain) != TRACKING_CHARS or any(c not in CROCKFORD for c in plain):
        return None
    return f"{plain[:5]}-{plain[5:]}"


def new_handover_code() -> str:
    """Four digits the member shows the rider at the door, as the app's code is."""
    return "".join(secrets.choice("0123456789") for _ in range(4))


class Tracked(msgspec.Struct, frozen=True, kw_only=True):
    """An order's progress for whoever holds its tracking code: nothing about the member, what
    they bought or where it goes; times in UTC and the store's time zone to show them in."""

    tracking_code: str
    store_id: str
    timezone: str
    fulfilment: Fulfilment
    status: OrderStatus
    promise_at: datetime
    eta: datetime | None  # at the door, while a rider has it
    pickup_slot: str | None  # where the bags wait, once ready for pickup
    stages: dict[str, datetime]
