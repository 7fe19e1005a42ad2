"""The store manager's view of picking: backlog per zone, orders at risk, pickers at work. Pure.

An unpacked task is at risk when the lines it still has, at the store's usual pace, and its
packing would end past its deadline (the promise less the ride).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from services.fulfillment.domain import TaskStatus, Zone
from services.fulfillment.tasks import ZONES
from shared.events import Fulfilment

PER_LINE = timedelta(seconds=20)  # walking to and scanning one line, on the seeded layout
PACKING = timedelta(minutes=1)


class TaskSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A pick task and the time of every stage it reached."""

    task_id: str
    order_id: str
    zone: Zone
    fulfilment: Fulfilment
    status: TaskStatus
    deadline: datetime
    batch_id: str | None
    tote: int | None
    picker_id: str | None
    picker_name: str | None  # the store's name for them (their id if it has none)
    lines: int
    lines_left: int
    created_at: datetime
    claimed_at: datetime | None
    first_scan_at: datetime | None
    picked_at: datetime | None
    packed_at: datetime | None
    collected_at: datetime | None  # a pickup order's, once its shopper has taken it


class PickerAtWork(msgspec.Struct, frozen=True, kw_only=True):
    picker_id: str
    name: str
    batch_id: str
    zone: Zone
    orders: int
    claimed_at: datetime
    lease_until: datetime


class ZoneBacklog(msgspec.Struct, frozen=True, kw_only=True):
    zone: Zone
    queued: int  # tasks waiting for a picker
    queued_lines: int
    oldest_age_s: int  # how long the oldest waiting task has waited
    in_progress: int  # tasks in a picker's batch, not packed yet


class AtRisk(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    task_id: str
    zone: Zone
    status: TaskStatus
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
