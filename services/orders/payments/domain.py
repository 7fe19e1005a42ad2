"""What a packed order costs, how that splits across the authorization, and what is given back.
Pure, no I/O.

A line is charged for what was picked of it (weighed lines by the grams on the scale) plus any
substitute. A substitute the shopper did not name costs them at most what the missing part of
the ordered item would have: the store's choice must never make the shopper pay more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from services.orders.checkout.domain import line_cost
from shared.events import PackedLine


class Ordered(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    unit: str
    quantity: int
    unit_price: int
    substitution: str


class Charge(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    picked: int
    charged: int


def substitute_cap(ordered: Ordered, picked: int) -> int:
    """The most a substitute may cost: the ordered item's price for the part that is missing."""
    return line_cost(ordered.unit, max(0, ordered.quantity - picked), ordered.unit_price)


def charge_line(ordered: Ordered, packed: PackedLine | None) -> Charge:
    if packed is None:  # nothing was packed for it
        return Charge(line_no=ordered.line_no, picked=0, charged=0)
    charged = line_cost(ordered.unit, packed.picked, ordered.unit_price)
    if packed.substitute is not None:
        sub = packed.substitute
        cost = line_cost(sub.unit, sub.quantity, sub.unit_price.amount)
        if ordered.substitution != f"sku:{sub.sku}":
            cost = min(cost, substitute_cap(ordered, packed.picked))
        charged += cost
    return Charge(line_no=ordered.line_no, picked=packed.picked, charged=charged)


def charges(ordered: Sequence[Ordered], packed: Sequence[PackedLine]) -> list[Charge]:
    by_line = {line.line_no: line for line in packed}
    return [charge_line(line, by_line.get(line.line_no)) for line in ordered]


class Settlement(msgspec.Struct, frozen=True, kw_only=True):
    """How the final total is collected: captured from the authorization, plus a second charge
    for anything above it, and the rest of the authorization released."""

    total: int
    capture: int
    second_charge: int
    release: int


def settle(total: int, authorized: int) -> Settlement:
    capture = min(total, authorized)
    return Settlement(
        total=total, capture=capture, second_charge=total - capture, release=authorized - capture
    )


# A settlement's steps, in order: capture (or void) the authorization, charge what lies above
# it, take the goods from stock; each is booked in its own transaction, once.
Step = Literal["capture", "charge", "stock", "done"]


def first_step(*, at_door: bool) -> Step:
    """Where a settlement starts: with the card's authorization, or, for an order paid at the
    door (placed with no PaymentIntent), with the stock: nothing is taken from anyone until
    the rider hands the bags over and takes the total (`plan.second_charge`, all of it)."""
    return "stock" if at_door else "capture"


def step_after(step: Step, plan: Settlement) -> Step:
    """The step that follows `step`: a settlement with no second charge skips it."""
    if step == "capture":
        return "charge" if plan.second_charge else "stock"
    return "stock" if step == "charge" else "done"


class Part(msgspec.Struct, frozen=True, kw_only=True):
    source_id: str
    amount: int


def refund_parts(
    collected: Sequence[tuple[str, int]], refunded: dict[str, int], amount: int
) -> list[Part]:
    """Split a refund over what was collected (the capture first, then any second charge),
    never refunding a source beyond what it collected less what it refunded already."""
    parts = []
    for source_id, got in collected:
        take = min(amount, got - refunded.get(source_id, 0))
        if take > 0:
            parts.append(Part(source_id=source_id, amount=take))
            amount -= take
    return parts


def failed_delivery_refund(reason: str, *, collected: int, refunded: int) -> int:
    """What a failed delivery gives back: everything collected and not refunded yet, in full,
    whatever the `reason` (not home, refused, address not found, damaged, rider incident).

    Groceries are not a parcel to try again tomorrow: chilled and frozen goods that went out
    cannot be resold or redelivered later, and the shopper's 30 minutes are gone either way, so
    the shopper is not made to pay for bags they never got. The goods are not put back into
    stock either; the manager recounts what came back with the stock-count endpoint.
    """
    return max(0, collected - refunded)
