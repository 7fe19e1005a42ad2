"""The dispatcher in the fast mode: `dispatch.dispatcher`'s loop over the same pure rules.

It plans when woken (an order packed, a route done, a rider on shift), no sooner than
`replan_gap_s` after the last plan, and every `replan_s` besides; each plan is
`dispatcher.plan_snapshot` (the last plan repaired, or searched from) and
`planning.decide`, committed at the second it was asked for: the solver's wall time is not store
time here."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from services.delivery.dispatch.dispatcher import plan_snapshot
from services.delivery.dispatch.planning import Decision, LastPlan, Snapshot, decide
from services.delivery.settings import DeliverySettings

DEFAULTS = DeliverySettings()


class Dispatcher:
    def __init__(
        self,
        *,
        at: Callable[[float, Callable[[], None]], None],
        snapshot: Callable[[float], Snapshot],
        commit: Callable[[float, Snapshot, Decision], None],
        stamp: Callable[[float], datetime],
        policy: str,
        time_limit_s: float,
    ) -> None:
        self._at, self._snapshot, self._commit, self._stamp = at, snapshot, commit, stamp
        self.policy, self.time_limit_s = policy, time_limit_s
        self._last: LastPlan | None = None
        self._not_before = 0.0
        self._booked: float | None = None  # the plan already on the clock
        self.solver_cpu_s = 0.0
        self.plans = 0

    def wake(self, now: float) -> None:
        t = max(now, self._not_before)
        if self._booked is not None and self._booked <= t:
            return
        self._booked = t
        self._at(t, lambda: self._plan(t))

    def tick(self, now: float, until: Callable[[], bool]) -> None:
        """The timer: a re-plan every `replan_s` (a route running late, a slack running out)."""
        if until():
            return
        self.wake(now)
        then = now + DEFAULTS.replan_s
        self._at(then, lambda: self.tick(then, until))

    def _plan(self, now: float) -> None:
        if self._booked != now:
            return  # an earlier booking took its place
        self._booked = None
        self._not_before = now + DEFAULTS.replan_gap_s
        snap = self._snapshot(now)
        if not (snap.ready or any(r.carrying for r in snap.riders)):
            return
        at = self._stamp(now)
        cpu = time.process_time()
        plan = plan_snapshot(snap, at, self.policy, self.time_limit_s, self._last)
        self.solver_cpu_s += time.process_time() - cpu
        self.plans += 1
        decision = decide(snap, plan, at, batching=self.policy != "greedy")
        self._commit(now, snap, decision)
        self._last = LastPlan.of(plan)
