"""Choosing the next batch and measuring the walk. Pure: no I/O, no framework.

The shop floor is parallel aisles joined by a cross aisle at the front (where the packing
station is) and one at the back. A picker walks the lines in the store's bin order
(`walk_key`); between aisles they take whichever cross aisle is shorter. Distances are metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from services.fulfillment.domain import Zone, walk_key

AISLE_PITCH_M = 3.0  # centre of one aisle to the next
BAY_M = 1.5  # one bay of shelving along an aisle
DEFAULT_BATCH_SIZE = 4
HORIZON = timedelta(minutes=10)  # how far past the most urgent task a batch may reach


class Stop(msgspec.Struct, frozen=True, array_like=True):
    """Where a line is picked."""

    aisle: int
    bay: int
    shelf: int


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A queued task as the planner sees it."""

    task_id: str
    zone: Zone
    deadline: datetime
    stops: list[Stop]


def _position(stop: Stop) -> tuple[float, float]:
    return stop.aisle * AISLE_PITCH_M, (stop.bay - 0.5) * BAY_M


def route_length(stops: Sequence[Stop], *, bays: int) -> float:
    """Metres from the packing station past every stop in walking order and back."""
    length = bays * BAY_M
    here = (0.0, 0.0)
    total = 0.0
    for stop in [*sorted(set(stops), key=walk_key), None]:
        there = (0.0, 0.0) if stop is None else _position(stop)
        if here[0] == there[0]:
            total += abs(here[1] - there[1])
        else:  # along the shorter cross aisle
            across = min(here[1] + there[1], 2 * length - here[1] - there[1])
            total += abs(here[0] - there[0]) + across
        here = there
    return total


def plan_batch(
    queue: Sequence[Candidate], *, size: int = DEFAULT_BATCH_SIZE, bays: int
) -> list[Candidate]:
    """The next batch: the task due first, then up to `size - 1` more of its zone that add the
    least walking, chosen among those due within `HORIZON` of it (earlier first on a tie).

    Earliest deadline first keeps the promise; the horizon stops a near task that is due much
    later from taking a tote ahead of tasks that are due now.
    """
    if not queue:
        return []
    first = min(queue, key=lambda c: (c.deadline, c.task_id))
    others = sorted(
        (
            c
            for c in queue
            if c.zone == first.zone
            and c.task_id != first.task_id
            and c.deadline <= first.deadline + HORIZON
        ),
        key=lambda c: (c.deadline, c.task_id),
    )
    batch = [first]
    stops = list(first.stops)
    while len(batch) < size and others:
        base = route_length(stops, bays=bays)
        best = min(
            others,
            key=lambda c: (route_length([*stops, *c.stops], bays=bays) - base, c.deadline),
        )
        batch.append(best)
        stops += best.stops
        others.remove(best)
    return batch
