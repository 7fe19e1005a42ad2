"""The order a manager follows on the live page, stage by stage with the time it reached each.

A delivery: paid, picking, packed, riding, delivered, from delivery's own record and, for
picking, the floor's tasks of it (delivery hears of an order only when paid and when packed).
A pickup order: paid, picking, packed, collected, from the floor's tasks alone (delivery keeps
no record of it). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from services.delivery.live.floor import PickTask
from services.delivery.live.store import FollowedRow
from shared.events import Fulfilment

Step = Literal["paid", "picking", "packed", "riding", "delivered", "collected"]
Now = Literal[Step, "unknown", "failed", "cancelled"]
STAGE_OF: dict[str, Now] = {
    "ready": "packed",
    "assigned": "packed",  # a rider is on the way to the bags
    "out": "riding",
    "delivered": "delivered",
    "failed": "failed",
    "cancelled": "cancelled",
}


class Reached(msgspec.Struct, frozen=True, kw_only=True):
    step: Step
    at: datetime | None  # not yet (or, for picking, the floor did not say)


class Followed(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    fulfilment: Fulfilment | None  # None while unknown
    stage: Now  # unknown: no order of this store by that id (yet)
    steps: list[Reached]  # every step of its kind in order; none when unknown
    promise_at: datetime | None
    eta: datetime | None
    rider: str | None  # the rider's name, once the order is on a route
    pickers: list[str]  # who picks (or picked) its zones, by name
    floor_known: bool  # False: fulfillment did not answer, picking may have started unseen


def followed(order_id: str, row: FollowedRow | None, tasks: list[PickTask] | None) -> Followed:
    """`tasks`: the floor's tasks of the order, None when fulfillment did not answer."""
    live = [t for t in tasks or [] if t.status != "cancelled"]
    claimed = [t for t in live if t.claimed_at is not None]
    pickers = sorted({t.picker_name or t.picker_id for t in claimed if t.picker_id})
    picking = min((t.claimed_at for t in claimed if t.claimed_at), default=None)
    if row is not None:
        return _delivery(order_id, row, picking, pickers, floor_known=tasks is not None)
    if tasks and tasks[0].fulfilment == "pickup":
        return _pickup(order_id, tasks, picking, pickers)
    return Followed(  # a delivery that delivery has not heard of yet, or no order at all
        order_id=order_id,
        fulfilment=None,
        stage="unknown",
        steps=[],
        promise_at=None,
        eta=None,
        rider=None,
        pickers=pickers,
        floor_known=tasks is not None,
    )


def _delivery(
    order_id: str,
    row: FollowedRow,
    picking: datetime | None,
    pickers: list[str],
    *,
    floor_known: bool,
) -> Followed:
    return Followed(
        order_id=order_id,
        fulfilment="delivery",
        stage=STAGE_OF.get(row.status) or ("picking" if picking else "paid"),
        steps=[
            Reached(step="paid", at=row.placed_at),
            Reached(step="picking", at=picking),
            Reached(step="packed", at=row.ready_at),
            Reached(step="riding", at=row.out_at),
            Reached(step="delivered", at=row.done_at if row.status == "delivered" else None),
        ],
        promise_at=row.promise_at,
        eta=row.eta if row.status in ("assigned", "out") else None,
        rider=row.rider,
        pickers=pickers,
        floor_known=floor_known,
    )


def _pickup(
    order_id: str, tasks: list[PickTask], picking: datetime | None, pickers: list[str]
) -> Followed:
    """Packed once every zone not cancelled is (the bags then wait at the counter)."""
    live = [t for t in tasks if t.status != "cancelled"]
    packed = None
    if live and all(t.packed_at for t in live):
        packed = max(t.packed_at for t in live if t.packed_at)
    collected = next((t.collected_at for t in tasks if t.collected_at), None)
    stage: Now
    if not live:
        stage = "cancelled"
    elif collected:
        stage = "collected"
    elif packed:
        stage = "packed"
    else:
        stage = "picking" if picking else "paid"
    return Followed(
        order_id=order_id,
        fulfilment="pickup",
        stage=stage,
        steps=[
            Reached(step="paid", at=min(t.created_at for t in tasks)),
            Reached(step="picking", at=picking),
            Reached(step="packed", at=packed),
            Reached(step="collected", at=collected),
        ],
        promise_at=min(t.deadline for t in tasks),  # a pickup's floor deadline is its promise
        eta=None,
        rider=None,
        pickers=pickers,
        floor_known=True,
    )
