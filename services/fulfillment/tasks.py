"""Turning a paid order into pick tasks: one per temperature zone, lines in walking order. Pure.

A task must be packed by the order's promise less the ride (15 minutes) and the hand-over (2),
docs/design.md; a pickup order must be ready by its promise. A product with no bin yet is
picked last in its zone, so a missing layout entry delays nothing but its own line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import msgspec

from services.fulfillment.domain import Bin, Zone, walk_key
from shared.events import OrderPlaced, PlacedLine, Unit

RIDE_AND_HANDOVER = timedelta(minutes=15 + 2)
URGENT = timedelta(minutes=5)  # a task due this soon is announced to the store's screens
ZONES: tuple[Zone, ...] = ("frozen", "chilled", "produce", "ambient")


class TaskLine(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    unit_price: int  # minor units of the task's currency, as the task's line rows keep it
    ean: str
    substitution: str
    bin: Bin | None


class Task(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    zone: Zone
    deadline: datetime
    currency: str  # of the lines' prices
    lines: list[TaskLine]


def deadline(order: OrderPlaced) -> datetime:
    if order.fulfilment == "pickup":
        return order.promise_at
    return order.promise_at - RIDE_AND_HANDOVER


def _task_line(line: PlacedLine, spot: Bin | None) -> TaskLine:
    return TaskLine(
        line_no=line.line_no,
        sku=line.sku,
        name_en=line.name_en,
        name_ja=line.name_ja,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price.amount,
        ean=line.ean,
        substitution=line.substitution,
        bin=spot,
    )


def plan_tasks(order: OrderPlaced, bins: Mapping[str, Bin]) -> list[Task]:
    """The order's pick tasks, one per zone it has lines in."""
    due = deadline(order)
    tasks = []
    for zone in ZONES:
        lines = [line for line in order.lines if line.zone == zone]
        if not lines:
            continue
        known = sorted((x for x in lines if x.sku in bins), key=lambda x: walk_key(bins[x.sku]))
        ordered = [_task_line(x, bins[x.sku]) for x in known]
        ordered += [_task_line(x, None) for x in lines if x.sku not in bins]
        tasks.append(
            Task(
                order_id=order.order_id,
                zone=zone,
                deadline=due,
                currency=lines[0].unit_price.currency,
                lines=ordered,
            )
        )
    return tasks
