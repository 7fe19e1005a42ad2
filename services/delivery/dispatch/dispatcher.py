"""The dispatcher: one per store at a time, in its own process, re-planning when something
changes and on a timer.

Ownership of a store is a session advisory lock held on a connection of this process: if the
process dies, PostgreSQL drops the lock with the connection and another dispatcher, which tries
every few seconds, takes the store over. A database that restarts takes every lock with it: the
dispatcher lets go of its stores, connects again with backoff and claims them anew, without a
restart of its own. Solving runs in a child process (OR-Tools holds the
GIL for a whole solve), so this loop keeps listening and heart-beating while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from multiprocessing import get_context

import asyncpg
import msgspec

from services.delivery.dispatch import store as db
from services.delivery.dispatch.metrics import DispatchMetrics
from services.delivery.dispatch.planning import (
    LastPlan,
    Snapshot,
    build_problem,
    decide,
    missed_aim,
    search_needed,
    solve_limit,
)
from services.delivery.dispatch.runs import Run
from services.delivery.dispatch.wakeup import CHANNEL
from services.delivery.routing.greedy import plan_greedy
from services.delivery.routing.model import Plan, Problem
from services.delivery.routing.ortools_solver import Search, plan_routes
from services.delivery.routing.repair import plan_repaired
from services.delivery.settings import DeliverySettings
from shared.backoff import backoff_seconds
from shared.bus import publish
from shared.clock import Clock
from shared.db import DATABASE_GONE, connect, create_pool
from shared.errors import DatabaseUnavailable
from shared.events import RiderAssigned
from shared.ids import uuid7

log = logging.getLogger("omo.dispatch")
CLAIM_EVERY_S = 5.0  # how often a dispatcher tries to take stores nobody holds
RECONNECT_CAP_S = 10.0  # the longest wait between tries to reach a database that went away

# OR-Tools' local search from the repaired plan to its first local optimum, lateness priced as
# in a search (no on-time phase): about 25 ms at hema-peak. Inserting alone never re-orders the
# routes around a new order: 2.6 % more rider hours than searching at 80 riders, seed 7 (fast
# mode); with the descent 0.4 % fewer, for 15 CPU s a store-hour rather than 8.
DESCENT = Search(metaheuristic="GREEDY_DESCENT", on_time_share=0)
SOLVERS: dict[str, Callable[[Problem], Plan]] = {"ortools": plan_routes, "greedy": plan_greedy}


class ConnectionLost(DatabaseUnavailable):
    """The database closed a connection the dispatcher listens or holds its locks on."""


def plan_snapshot(
    snap: Snapshot, now: datetime, policy: str, time_limit_s: float, last: LastPlan | None
) -> Plan:
    """In the solver process, off the dispatcher's event loop. With OR-Tools, the last plan is
    repaired first (`repair.plan_repaired`: a rider back given their next trip, an order gone
    dropped, a new one inserted where it costs least). A repair that inserted nothing and
    keeps every aim is the plan; otherwise a greedy descent from it (`DESCENT`) is. A search,
    for a time sized to the orders in hand (`planning.solve_limit`) and from the descent, runs
    only when the descent breaks a promise some rider could still keep
    (`planning.search_needed`) or the repair has no room for an order. Riders short, doors
    pass their aims plan after plan for want of a rider back, and a search there (about 250
    of 450 plans at hema-peak's 64 riders) moved them by seconds."""
    problem = build_problem(
        snap,
        now,
        time_limit_s=solve_limit(snap, time_limit_s),
        previous=last.previous(snap) if last else None,
    )
    if policy != "ortools" or last is None:
        return SOLVERS[policy](problem)
    repaired = plan_repaired(problem, solver="ortools")
    if repaired is None:
        return plan_routes(problem)
    if repaired.solver.endswith(":kept") and not missed_aim(problem, repaired):
        return repaired
    descended = plan_routes(_from(problem, repaired), DESCENT)
    if search_needed(problem, descended):
        return plan_routes(_from(problem, descended))
    return descended


def _from(problem: Problem, plan: Plan) -> Problem:
    """The problem, its search started from `plan`."""
    routes = {r.vehicle_id: [v.job_id for v in r.visits] for r in plan.routes}
    return msgspec.structs.replace(
        problem, previous=[routes.get(v.vehicle_id, []) for v in problem.vehicles]
    )


async def dispatch_once(
    pool: asyncpg.Pool,
    store_id: str,
    *,
    clock: Clock,
    settings: DeliverySettings,
    executor: Executor,
    owner: str,
    plans: dict[str, LastPlan] | None = None,
) -> Run | None:
    """Plan the store now and commit what should leave; None when there is nothing to plan.

    `plans` keeps the last plan's orders per rider for each store: the next plan starts its
    search from it (a re-plan with a few new orders reaches in 0.3 s what a cold start does in
    1 s, bench.dispatch), and this plan replaces it."""
    now = clock.now()
    async with pool.acquire() as conn:
        snap = await db.snapshot(conn, store_id, now)
    if snap is None or not (snap.ready or any(r.carrying for r in snap.riders)):
        return None
    plan = await asyncio.get_running_loop().run_in_executor(
        executor,
        plan_snapshot,
        snap,
        now,
        settings.dispatch_policy,
        settings.solve_time_limit_s,
        (plans or {}).get(store_id),
    )
    decision = decide(snap, plan, now, batching=settings.dispatch_policy != "greedy")
    sent: set[str] = set()
    async with pool.acquire() as conn, conn.transaction():
        for route in decision.commit:
            taken = await db.take_ready(conn, store_id, route.order_ids)
            if taken != set(route.order_ids) or not await db.rider_free(
                conn, store_id, route.rider_id
            ):
                continue  # the world moved while we solved: the next plan will see it
            route_id = f"rte_{uuid7().hex}"
            await db.insert_route(conn, store_id, route_id, route, now=now, solver=plan.solver)
            await publish(
                conn,
                RiderAssigned(
                    route_id=route_id,
                    store_id=store_id,
                    rider_id=route.rider_id,
                    order_ids=route.order_ids,
                    etas=route.etas,
                ),
                occurred_at=now,
            )
            sent.add(route.rider_id)
        await db.refresh_etas(conn, store_id, decision.etas)
        run = Run(
            at=now,
            solver=plan.solver,
            solve_s=plan.solve_s,
            ready_orders=len(snap.ready),
            free_riders=sum(1 for r in snap.riders if not r.carrying),
            committed=len(sent),
            held=len(decision.held),
            late_orders=decision.late_orders,
            lateness_s=decision.lateness_s,
            unassigned=len(decision.unassigned),
            owner=owner,
        )
        await db.record_run(conn, store_id, run)
    if plans is not None:
        plans[store_id] = LastPlan.of(plan)
    return run


def _load_solver() -> None:
    import services.delivery.routing.ortools_solver  # noqa: F401  (0.5 s, paid before a plan waits)


def solver_pool() -> ProcessPoolExecutor:
    """One solver process, started fresh (spawn: nothing of this process's state leaks in)
    with OR-Tools loaded."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=get_context("spawn"), initializer=_load_solver
    )


class Dispatcher:
    """Dispatches every store it can hold; `run` until `stop` is set."""

    def __init__(self, settings: DeliverySettings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or Clock(settings.clock_speed, settings.clock_start)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid7().hex[-6:]}"
        self.owned: set[str] = set()
        self._plans: dict[str, LastPlan] = {}
        self._due: set[str] = set()
        self._not_before: dict[str, float] = {}  # loop time a store may be planned again
        self._wake = asyncio.Event()
        self._executor: Executor  # the solver process, replaced when it dies (set by `run`)
        self.metrics = DispatchMetrics()

    def _notified(self, _conn: object, _pid: int, _channel: str, store_id: str) -> None:
        self._due.add(store_id)
        self._wake.set()

    async def _claim(self, locks: asyncpg.Connection, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            known = await db.stores(conn)
        for store_id in known:
            if store_id in self.owned:
                continue
            if await db.take_store(locks, store_id):
                log.info("dispatching %s (%s)", store_id, self.owner)
                self.owned.add(store_id)
                self._due.add(store_id)
        self.metrics.owned.set(len(self.owned))

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set. A database that goes away (a restart, a failover) is
        waited out: the stores' locks went with their connection, so every store is let go,
        and once the database answers again (tried with backoff) they are claimed anew."""
        self._executor = solver_pool()
        pool: asyncpg.Pool | None = None
        failures = 0
        try:
            while not stop.is_set():
                try:
                    pool = pool or await create_pool(self.settings.database_url, max_size=4)
                    await self._serve(stop, pool)
                except DATABASE_GONE as exc:
                    self.owned.clear()
                    self.metrics.owned.set(0)
                    failures += 1
                    wait = backoff_seconds(failures, cap_s=RECONNECT_CAP_S)
                    log.warning("lost the database (%s); connecting again in %.1f s", exc, wait)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
                else:
                    failures = 0
        finally:
            self._executor.shutdown(cancel_futures=True)
            if pool is not None:
                await pool.close()

    async def _serve(self, stop: asyncio.Event, pool: asyncpg.Pool) -> None:
        """Listen, hold the stores' locks and dispatch until `stop`; `ConnectionLost` when the
        listening or the locking connection drops (its locks, or its wake-ups, are gone)."""
        url = self.settings.database_url
        lost = asyncio.Event()

        def on_lost(_conn: object) -> None:
            lost.set()
            self._wake.set()

        listener = locks = None  # `locks` holds the stores' advisory locks
        loop = asyncio.get_running_loop()
        next_claim = next_replan = 0.0
        try:
            listener = await connect(url)
            listener.add_termination_listener(on_lost)
            await listener.add_listener(CHANNEL, self._notified)
            locks = await connect(url)
            locks.add_termination_listener(on_lost)
            while not stop.is_set():
                if lost.is_set():
                    raise ConnectionLost("the database closed the dispatcher's connection")
                if loop.time() >= next_claim:
                    await self._claim(locks, pool)
                    next_claim = loop.time() + CLAIM_EVERY_S
                if loop.time() >= next_replan:  # a route running late, a slack running out
                    self._due |= self.owned
                    next_replan = loop.time() + self.clock.real_seconds(self.settings.replan_s)
                await self._dispatch_due(pool)
                waiting = [self._not_before.get(s, 0.0) for s in self._due & self.owned]
                await self._sleep(stop, min(next_claim, next_replan, *waiting) - loop.time())
        finally:
            for conn in (listener, locks):
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=1)

    async def _dispatch_due(self, pool: asyncpg.Pool) -> None:
        """Dispatch the stores that are due; a solver process that died (OR-Tools aborts on
        some internal checks) is replaced, and the store planned again at the next turn."""
        loop = asyncio.get_running_loop()
        for store_id in self._plannable(loop.time()):
            self._due.discard(store_id)
            gap = self.clock.real_seconds(self.settings.replan_gap_s)
            self._not_before[store_id] = loop.time() + gap
            try:
                run = await dispatch_once(
                    pool,
                    store_id,
                    clock=self.clock,
                    settings=self.settings,
                    executor=self._executor,
                    owner=self.owner,
                    plans=self._plans,
                )
                if run is not None:
                    self.metrics.observe(store_id, run)
            except BrokenProcessPool:
                log.error("the solver process died planning %s; starting another", store_id)
                self.metrics.failed(store_id, "solver-died")
                self._executor.shutdown(cancel_futures=True)
                self._executor = solver_pool()
                self._due.add(store_id)
            except DATABASE_GONE:
                self._due.add(store_id)
                self.metrics.failed(store_id, "database-gone")
                raise  # `run` waits for the database and claims the store again
            except Exception:
                log.exception("dispatching %s failed; it is tried again next time", store_id)
                self.metrics.failed(store_id, "error")

    def _plannable(self, now: float) -> list[str]:
        """Stores due and owned, but not those planned less than `replan_gap_s` ago: what
        happened since waits for the gap."""
        due = self._due & self.owned
        return sorted(s for s in due if self._not_before.get(s, 0.0) <= now)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Until woken by a NOTIFY or `stop`, or `seconds` pass."""
        self._wake.clear()
        if self._plannable(asyncio.get_running_loop().time()):
            return
        waits = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(
            waits, timeout=max(seconds, 0.05), return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
