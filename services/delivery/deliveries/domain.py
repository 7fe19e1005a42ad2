"""Deliveries' pure rules: the bags a rider takes out, the proof at the door, the store's alert.

No I/O: the service loads the route, the order and the last plan, and passes what a rule needs.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

import msgspec

from shared.errors import Conflict, InvalidInput

DeliveryStatus = Literal["waiting", "ready", "assigned", "out", "delivered", "failed", "cancelled"]
RouteStatus = Literal["assigned", "out", "done", "cancelled"]
FailureReason = Literal["not_home", "refused", "address_not_found", "damaged", "rider_incident"]
ProofKind = Literal["code", "photo"]


class Proof(msgspec.Struct, frozen=True, kw_only=True):
    kind: ProofKind
    photo_ref: str | None = None


class RiderOnShift(msgspec.Struct, frozen=True, kw_only=True):
    """A rider on shift as the store view shows them: where, and the route in hand."""

    rider_id: str
    name: str
    lat: float | None
    lng: float | None
    located_at: datetime | None
    route_id: str | None
    route_status: RouteStatus | None
    stops_left: int
    box_bags: int  # what their box carries: their own, else the store's


class OpenDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery not yet done: `late` when past its promise or planned to arrive after it."""

    order_id: str
    status: DeliveryStatus
    promise_at: datetime
    eta: datetime | None
    ready_at: datetime | None
    bags: int
    route_id: str | None
    rider_id: str | None
    late: bool = False


def check_pickup(expected: Mapping[str, str], scanned: Sequence[str]) -> None:
    """The rider leaves with exactly the route's bags (`expected`: code -> order id): a bag of
    another order stays in the store, and no order leaves without all of its bags. A bag
    scanned twice is the same bag."""
    for i, code in enumerate(scanned):
        if code not in expected:
            raise InvalidInput(
                f"bag {code} is not on this route; leave it at the store",
                field=f"bags[{i}]",
                code=code,
            )
    seen = set(scanned)
    missing = [code for code in expected if code not in seen]
    if missing:
        raise InvalidInput(
            f"{len(missing)} bag(s) of this route not scanned: {', '.join(missing)}",
            field="bags",
            missing=missing,
        )


def check_out(order_id: str, status: str) -> None:
    """Only an order the rider has taken out of the store can be handed over or fail."""
    if status == "out":
        return
    if status == "assigned":
        raise Conflict(
            f"order {order_id} is not out yet: scan its route's bags at the store first",
            field="order_id",
        )
    raise Conflict(f"order {order_id} is {status}", field="order_id", status=status)


class WrongCode(InvalidInput):
    """The hand-over code is wrong"""

    slug = "wrong-code"
    commits = True  # the failure counted with it stays counted


def check_proof(handover_code: str, *, code: str | None, photo_ref: str | None) -> Proof:
    """The code the shopper's app shows (compared in constant time, never echoed), or a photo
    of the bags at the door; exactly one of them."""
    if (code is None) == (photo_ref is None):
        raise InvalidInput(
            "give either the code the shopper's app shows or a photo reference", field="code"
        )
    if photo_ref is not None:
        return Proof(kind="photo", photo_ref=photo_ref)
    assert code is not None
    if not secrets.compare_digest(code.strip().encode(), handover_code.encode()):
        raise WrongCode(
            "that is not this order's hand-over code; ask the shopper to show it again",
            field="code",
        )
    return Proof(kind="code")


def new_handover_code() -> str:
    """Four random digits for the shopper to show at the door."""
    return f"{secrets.randbelow(10_000):04d}"


def is_late(now: datetime, promise_at: datetime, eta: datetime | None) -> bool:
    """Past its promise, or planned to arrive after it."""
    return now > promise_at or (eta is not None and eta > promise_at)


def late_minutes(lateness_s: float) -> int:
    """A plan's lateness as the alert says it: whole minutes, rounded up."""
    return math.ceil(lateness_s / 60)


def run_alert(*, late_orders: int, lateness_s: float, unassigned: int) -> str | None:
    """What the store view shouts about the dispatcher's last plan, if anything."""
    parts = []
    if late_orders:
        minutes = late_minutes(lateness_s)
        parts.append(
            f"{late_orders} order{'s' if late_orders != 1 else ''} will miss the promise "
            f"({minutes} min late in total)"
        )
    if unassigned:
        parts.append(
            f"{unassigned} ready order{'s' if unassigned != 1 else ''} "
            f"{'have' if unassigned != 1 else 'has'} no rider"
        )
    return "; ".join(parts) or None
