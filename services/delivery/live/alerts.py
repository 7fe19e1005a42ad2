"""The dispatcher's alert in numbers, for the live page to word in its reader's language: the
dispatch board says it in English only (`LiveState.alert`, as `GET /dispatch` does)."""

from __future__ import annotations

import msgspec

from services.delivery.deliveries.domain import late_minutes
from services.delivery.deliveries.views import DispatchBoard


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    late_orders: int  # the last plan's orders that will miss their promise
    late_minutes: int  # their lateness in total, rounded up
    unassigned: int  # ready orders the last plan gave no rider
    too_big: list[str]  # ready orders with more bags than any box on shift
    largest_box: int  # bags, of the largest box on shift


def alert_of(board: DispatchBoard) -> Alert | None:
    """What the board's alert says, or None when it says nothing."""
    if board.alert is None:
        return None
    run = board.last_run
    return Alert(
        late_orders=run.late_orders if run else 0,
        late_minutes=late_minutes(run.lateness_s) if run else 0,
        unassigned=run.unassigned if run else 0,
        too_big=board.needs_bigger_box,
        largest_box=max((r.box_bags for r in board.riders), default=0),
    )
