"""The store manager's view of picking: backlog per zone, orders at risk, pickers at work. Pure.

An unpacked task is at risk when the lines it still has, at the store's usual pace, and its
packing would end past its deadline (the promise less the ride).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from services.fulfillment.store import PickerAtWork, TaskSummary
from services.fulfillment.tasks import ZONES

PER_LINE = timedelta(seconds=20)  # walking to and scanning one line, on the seeded layout
PACKING = timedelta(minutes=1)


class ZoneBacklog(msgspec.Struct, frozen=True, kw_only=True):
    zone: str
    queued: int  # tasks waiting for a picker
    queued_lines: int
    oldest_age_s: int  # how long the oldest waiting task has waited
    in_progress: int  # tasks in a picker's batch, not packed yet


class AtRisk(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    task_id: str
    zone: str
    status: str
    picker_id: str | None
    deadline: datetime
    expected_done: datetime
    lines_left: int


class QueueView(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    zones: list[ZoneBacklog]
    at_risk: list[AtRisk]
    pickers: list[PickerAtWork]


def expected_done(task: TaskSummary, now: datetime) -> datetime:
    return now + task.lines_left * PER_LINE + PACKING


def summarize(
    tasks: Sequence[TaskSummary], pickers: Sequence[PickerAtWork], now: datetime
) -> QueueView:
    """`tasks` are the store's unpacked, uncancelled tasks."""
    zones = []
    for zone in ZONES:
        queued = [t for t in tasks if t.zone == zone and t.status == "queued"]
        zones.append(
            ZoneBacklog(
                zone=zone,
                queued=len(queued),
                queued_lines=sum(t.lines_left for t in queued),
                oldest_age_s=max(
                    (int((now - t.created_at).total_seconds()) for t in queued), default=0
                ),
                in_progress=sum(1 for t in tasks if t.zone == zone and t.status != "queued"),
            )
        )
    risky = [
        AtRisk(
            order_id=t.order_id,
            task_id=t.task_id,
            zone=t.zone,
            status=t.status,
            picker_id=t.picker_id,
            deadline=t.deadline,
            expected_done=expected_done(t, now),
            lines_left=t.lines_left,
        )
        for t in tasks
        if expected_done(t, now) > t.deadline
    ]
    return QueueView(at=now, zones=zones, at_risk=risky, pickers=list(pickers))
