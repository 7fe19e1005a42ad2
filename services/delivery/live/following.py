"""The order a manager follows on the live page, from paid to delivered: its stage now and when
it reached each, from delivery's own record and, for picking, the floor's tasks of it (delivery
hears of an order only when paid and when packed). Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from services.delivery.live.floor import PickTask
from services.delivery.live.store import FollowedRow

Step = Literal["paid", "picking", "packed", "riding", "delivered"]
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
    stage: Now  # unknown: no delivery of this store by that id (yet)
    steps: list[Reached]  # every step in order; none when unknown
    promise_at: datetime | None
    eta: datetime | None
    rider: str | None  # the rider's name, once the order is on a route
    pickers: list[str]  # who picks (or picked) its zones
    floor_known: bool  # False: fulfillment did not answer, picking may have started unseen


def followed(
    order_id: str, row: FollowedRow | None, tasks: list[PickTask] | None, names: dict[str, str]
) -> Followed:
    """`names`: the pickers at work by id (a picker gone home is shown by id)."""
    claimed = [t for t in tasks or [] if t.claimed_at is not None and t.status != "cancelled"]
    pickers = sorted({names.get(t.picker_id, t.picker_id) for t in claimed if t.picker_id})
    if row is None:
        return Followed(
            order_id=order_id,
            stage="unknown",
            steps=[],
            promise_at=None,
            eta=None,
            rider=None,
            pickers=pickers,
            floor_known=tasks is not None,
        )
    picking = min((t.claimed_at for t in claimed if t.claimed_at), default=None)
    stage = STAGE_OF.get(row.status) or ("picking" if picking else "paid")
    return Followed(
        order_id=order_id,
        stage=stage,
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
        floor_known=tasks is not None,
    )
