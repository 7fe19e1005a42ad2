"""What the handheld's home screen and labels are made of, and the rules that choose them.
Pure: no I/O, no framework.

The floor's language is the store's (shared/languages.py); a picker may switch language on the
handheld, and the page keeps that choice on the device.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from services.fulfillment.domain import TaskStatus, Zone
from services.fulfillment.queue import TaskSummary, ZoneBacklog, expected_done
from services.fulfillment.tasks import URGENT
from shared.languages import Language


class StoreFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What a screen needs to speak the store's language and tell its time."""

    store_id: str
    name: str
    timezone: str
    language: Language


class UrgentTask(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    zone: Zone
    status: TaskStatus
    deadline: datetime
    picker_id: str | None  # who holds it; None while it waits in the queue
    lines_left: int
    late: bool  # past its deadline already
    at_risk: bool  # at the store's pace it will be packed after its deadline


class ParkedTote(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    zone: Zone
    deadline: datetime
    parked_at: datetime
    parked_by: str
    parked_by_name: str
    awaiting: bool  # the shopper has not decided yet: nobody can claim it


class Home(msgspec.Struct, frozen=True, kw_only=True):
    """The handheld's home screen: the queue per zone, what is urgent, the parked totes."""

    at: datetime
    store: StoreFacts
    zones: list[ZoneBacklog]
    urgent: list[UrgentTask]
    parked: list[ParkedTote]
    batch_id: str | None  # the batch the picker holds, if any


def urgent_tasks(tasks: Sequence[TaskSummary], now: datetime) -> list[UrgentTask]:
    """Unpacked tasks due within `URGENT` or expected to be packed late, due first."""
    found = []
    for t in sorted(tasks, key=lambda t: (t.deadline, t.task_id)):
        at_risk = expected_done(t, now) > t.deadline
        if t.deadline - now <= URGENT or at_risk:
            found.append(
                UrgentTask(
                    order_id=t.order_id,
                    zone=t.zone,
                    status=t.status,
                    deadline=t.deadline,
                    picker_id=t.picker_id if t.status != "queued" else None,
                    lines_left=t.lines_left,
                    late=t.deadline < now,
                    at_risk=at_risk,
                )
            )
    return found
