"""The floor: pick tasks per zone, pickers claiming batches by the fulfillment service's own
planner (`plan_batch`, earliest deadline first, least walking), scanning at the scenario's pace,
finding a shelf empty now and then (a substitute proposed where orders would offer one), and
bagging by the store's default packing rule."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from infra.simulate.fast.catalog import Offers
from infra.simulate.pickers import IDLE_S, WAIT_S
from infra.simulate.scenario import Scenario
from infra.simulate.world import agent_rng
from services.fulfillment.batches.bagging import DEFAULT_RULE
from services.fulfillment.batches.claiming import CANDIDATES
from services.fulfillment.batches.planning import Candidate, Stop, plan_batch
from services.fulfillment.domain import walk_key
from services.fulfillment.tasks import RIDE_AND_HANDOVER

ANSWER_EVERY_S = 30.0  # the shopper's app looks for proposed substitutes this often


@dataclass
class Task:
    task_id: str
    order_id: str
    zone: str
    deadline: datetime
    lines: list[dict]  # the basket's lines of this zone, with "bin"


@dataclass
class Floor:
    """The pickers and the queue; `packed(order_id, zone, at, lines)` is told as each tote is
    packed, at its store second."""

    sc: Scenario
    at: Callable[[float, Callable[[], None]], None]  # run this at that second
    packed: Callable[[str, str, float, int], None]
    claimed: Callable[[str, float], None]
    bays: int
    offers: Offers
    queue: dict[str, Task] = field(default_factory=dict)
    in_hand: int = 0  # tasks in pickers' batches
    idle: list[str] = field(default_factory=list)
    rngs: dict[str, random.Random] = field(default_factory=dict)
    substitutes: dict[str, int] = field(default_factory=lambda: {"proposed": 0, "approved": 0})

    def add(self, order_id: str, promise_at: datetime, lines: list[dict]) -> None:
        """A paid order's pick tasks, one per zone, due its promise less the ride."""
        for zone in sorted({line["zone"] for line in lines}):
            ours = [x for x in lines if x["zone"] == zone]
            task_id = f"{order_id}:{zone}"
            deadline = promise_at - RIDE_AND_HANDOVER
            self.queue[task_id] = Task(task_id, order_id, zone, deadline, ours)

    def start(self, picker_id: str, seed: int) -> None:
        self.rngs[picker_id] = agent_rng(seed, picker_id)
        self.at(0.0, lambda: self.claim(picker_id, 0.0))

    def claim(self, picker_id: str, now: float) -> None:
        """A picker asks for a batch; with none, asks again `IDLE_S` later."""
        if not self.queue:
            self.at(now + IDLE_S, lambda: self.claim(picker_id, now + IDLE_S))
            return
        first = sorted(self.queue.values(), key=lambda t: (t.deadline, t.task_id))[:CANDIDATES]
        chosen = plan_batch(
            [
                Candidate(
                    task_id=t.task_id,
                    zone=t.zone,  # type: ignore[arg-type]
                    deadline=t.deadline,
                    stops=[Stop(*x["bin"]) for x in t.lines],
                )
                for t in first
            ],
            bays=self.bays,
        )
        tasks = [self.queue.pop(c.task_id) for c in chosen]
        self.in_hand += len(tasks)
        for t in tasks:
            self.claimed(t.order_id, now)
        done = self.work(picker_id, tasks, now)
        self.at(done, lambda: self.claim(picker_id, done))

    def work(self, picker_id: str, tasks: list[Task], now: float) -> float:
        """Scan every piece in walking order at `seconds_per_item`; a short line is reported
        (a step too) and, where orders offers a substitute the line's preference allows, waits
        for the shopper's answer at the end of the picking, an approved one picked piece by
        piece (a weighed one by one label); then each tote is packed. The second the batch is
        done."""
        sc, rng = self.sc, self.rngs[picker_id]
        lines = sorted(
            ((t, x) for t in tasks for x in t.lines), key=lambda tx: walk_key(Stop(*tx[1]["bin"]))
        )
        at, answer_by = now, now
        for _task, line in lines:
            pieces = line.get("quantity", 1)  # a weighed line: one label
            for found in range(pieces):
                at += sc.seconds_per_item
                if rng.random() < sc.short_share:
                    short_by = line.get("grams", pieces - found)
                    if self.offers.first(line["sku"], short_by, line["substitution"]):
                        self.substitutes["proposed"] += 1
                        # the app shows it at its next look; the picker looks every WAIT_S
                        answer = math.ceil(at / ANSWER_EVERY_S) * ANSWER_EVERY_S
                        answer_by = max(answer_by, math.ceil(answer / WAIT_S) * WAIT_S)
                        if rng.random() < sc.approve_share:
                            self.substitutes["approved"] += 1
                            at += sc.seconds_per_item * (1 if "grams" in line else short_by)
                    break
        at = max(at, answer_by)
        for task in tasks:
            at += sc.pack_seconds
            self.at(at, partial(self._packed, task, at))
        return at

    def _packed(self, task: Task, at: float) -> None:
        self.in_hand -= 1
        self.packed(task.order_id, task.zone, at, len(task.lines))


def bag_count(lines_by_zone: list[tuple[str, int]]) -> int:
    """The bags an order goes out in, its zones bagged in the order they were packed by the
    store's default rule: a later zone first fills the roomiest bag of its group (as the
    simulated packer does, `pickers.bagging`), the rest over new bags, lines spread evenly."""
    rule = DEFAULT_RULE
    group_of: dict[str, str] = {str(z): str(g) for g in rule.groups for z in g}
    bags: dict[str, list[int]] = {}
    for zone, lines in lines_by_zone:
        mine = bags.setdefault(group_of.get(zone, zone), [])
        if mine and lines:
            roomiest = max(range(len(mine)), key=lambda i: rule.lines_per_bag - mine[i])
            into = min(lines, rule.lines_per_bag - mine[roomiest])
            mine[roomiest] += into
            lines -= into
            if lines == 0:
                continue
        count = max(1, math.ceil(lines / rule.lines_per_bag))
        mine += [lines // count + (1 if i < lines % count else 0) for i in range(count)]
    return sum(len(b) for b in bags.values())


def store_bays(catalog: list[dict]) -> int:
    return max((p["bin"][1] for p in catalog), default=1)
