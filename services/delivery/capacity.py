"""What a rider's box carries: the store's box, a rider's own, and the ready orders no box on
shift can take. Pure.

A store sets one box for its riders (an insulated top box of 60-90 litres takes about six
grocery bags, README) and a rider with a bigger cargo bike gets their own figure. A box
smaller than an order is allowed, since the manager knows the riders on the road tonight better
than any rule; such an order is never planned onto a rider who cannot carry it, and the
dispatch board names it so that someone comes with a bigger box (or splits it by hand),
instead of it waiting silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

import msgspec

MAX_BOX_BAGS = 40  # beyond any two-wheeler: a larger figure is a slip of the keyboard

BoxBags = Annotated[int, msgspec.Meta(ge=1, le=MAX_BOX_BAGS)]


class Capacity(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A store's riders' box, in bags, and the minutes at a door, in seconds (the dispatcher
    plans both)."""

    box_bags: BoxBags = 6
    handover_s: Annotated[int, msgspec.Meta(ge=0, le=1800)] = 120


class RiderBox(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A rider's own box; null: the store's."""

    box_bags: BoxBags | None = None


class RiderCapacity(msgspec.Struct, frozen=True, kw_only=True):
    rider_id: str
    box_bags: int | None  # the rider's own figure, None when they carry the store's box
    carries: int  # what the dispatcher plans them with


def too_big(ready: Mapping[str, int], boxes: Iterable[int]) -> list[str]:
    """Ready orders (id -> bags) that no box on shift can take, in the order given. With no
    rider on shift there is no box to judge by: nothing is too big yet."""
    largest = max(boxes, default=None)
    if largest is None:
        return []
    return [order_id for order_id, bags in ready.items() if bags > largest]


def box_alert(orders: list[str], largest: int) -> str:
    """What the dispatch board says of orders too big for every box on shift."""
    many = len(orders) != 1
    return (
        f"{len(orders)} ready order{'s' if many else ''} need{'' if many else 's'} more than "
        f"the largest box on shift ({largest} bags): {', '.join(orders)}"
    )
