"""Play a scenario against the services, then read back and report what the system recorded."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import httpx
import psutil

from infra.simulate import manager, report
from infra.simulate.measure import (
    TERMINAL,
    Measured,
    figures,
    latest_promise,
    measure,
    open_orders,
)
from infra.simulate.pickers import Picker
from infra.simulate.riders import Rider
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import arrivals, till
from infra.simulate.stack import Stack, picker_ids, rider_ids, stack_for, staff_prefix
from infra.simulate.world import World
from shared.errors import DatabaseUnavailable

log = logging.getLogger("omo.simulate")
SAMPLE_S = 60.0


async def keep(world: World, who: str, agent: Callable[[], Awaitable[None]]) -> None:
    """Run an agent until the end; a crash is counted and the agent starts over."""
    while not world.done.is_set():
        try:
            await agent()
        except Exception as exc:  # a failed call should not end the evening
            world.tally["agent errors"] += 1
            log.warning("%s: %r", who, exc)
            await world.nap(10)


async def sample(world: World, samples: list[dict]) -> None:
    """Queue lengths as the manager's views show them, every store minute."""
    as_manager = world.manager()
    store = world.store_id
    while True:
        try:
            queue = await world.http.get(
                world.url("fulfillment", f"/v1/stores/{store}/fulfillment/queue"),
                headers=as_manager,
            )
            board = await world.http.get(
                world.url("delivery", f"/v1/stores/{store}/dispatch"), headers=as_manager
            )
            zones, deliveries = queue.json()["zones"], board.json()["deliveries"]
            samples.append(
                {
                    "at": world.clock.now(),
                    "pick tasks queued": sum(z["queued"] for z in zones),
                    "pick tasks in progress": sum(z["in_progress"] for z in zones),
                    "ready for a rider": sum(1 for d in deliveries if d["status"] == "ready"),
                    "with a rider": sum(
                        1 for d in deliveries if d["status"] in ("assigned", "out")
                    ),
                }
            )
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.debug("sampling: %r", exc)
        if await world.nap(SAMPLE_S):
            return


async def progress(
    world: World, sc: Scenario, phase: list[str], counts: Callable[[], tuple[int, int]]
) -> None:
    """A bar redrawn in place on a terminal; into a log, a line every tenth of the way.
    `counts`: the orders placed and tried so far (one store's, or a city's)."""
    start = world.clock.now()
    total = (sc.hours * 60 + sc.drain_minutes) * 60
    live = sys.stderr.isatty()
    shown = -1
    while not world.done.is_set():
        gone = (world.clock.now() - start).total_seconds()
        width = 30
        filled = min(width, int(width * gone / total))
        placed, tried = counts()
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {gone / 60:5.1f} min store time  "
            f"{phase[0]:<9} placed {placed:4d}  tried {tried:4d}"
        )
        if live:
            sys.stderr.write(f"\r{line}")
        elif filled // 3 != shown:
            shown = filled // 3
            sys.stderr.write(f"{line}\n")
        sys.stderr.flush()
        await asyncio.sleep(0.5)
    if live:
        sys.stderr.write("\n")


async def finish_by(world: World, dsn: str) -> float:
    """When to stop waiting (store time): `drain_minutes` after the last order, or a quarter
    of an hour past the latest promise (a shopper may have taken a later one), at most three
    times `drain_minutes`."""
    while True:
        try:
            latest = await latest_promise(dsn, world.store_id, world.placed)
            break
        except DatabaseUnavailable as exc:  # back in a moment (a fault test restarts it)
            log.warning("cannot read the promises now: %s", exc)
            await asyncio.sleep(0.5)
    now, drain = world.clock.now().timestamp(), world.scenario.drain_minutes * 60
    wanted = max(now + drain, latest.timestamp() + 15 * 60 if latest else 0)
    return min(wanted, now + 3 * drain)


def client() -> httpx.AsyncClient:
    # Let an idle connection go before uvicorn's 5 s keep-alive does: reusing one the server is
    # closing at that moment fails the call (ReadError) and restarts the agent.
    limits = httpx.Limits(max_connections=50, keepalive_expiry=4)
    return httpx.AsyncClient(timeout=30, limits=limits)


async def evening(
    stack: Stack,
    worlds: list[World],
    sc: Scenario,
    shoppers: Callable[[], Awaitable[None]],
    counts: Callable[[], tuple[int, int]],
) -> tuple[datetime, datetime, list[list[dict]]]:
    """The evening at each store of `worlds` (one, or a city's sharing one `done`): each
    prepared by its manager and staffed, `shoppers` arriving, then until every order is
    finished; when it started and ended, and each store's queue samples."""
    for world in worlds:
        await world.load_catalog()
        await manager.prepare(world)
    clock = worlds[0].clock
    started = clock.now()
    phase = ["ordering"]
    staff = [
        asyncio.create_task(keep(w, p, Picker(w, p).run))
        for w in worlds
        for p in (staff_prefix(w.store_id) + x for x in picker_ids(w.scenario.pickers))
    ] + [
        asyncio.create_task(keep(w, r, Rider(w, r).run))
        for w in worlds
        for r in (staff_prefix(w.store_id) + x for x in rider_ids(w.scenario.riders))
    ]
    samples: list[list[dict]] = [[] for _ in worlds]
    watchers = [
        *(asyncio.create_task(sample(w, s)) for w, s in zip(worlds, samples, strict=True)),
        asyncio.create_task(progress(worlds[0], sc, phase, counts)),
    ]
    try:
        # The evening opens with the riders on shift: with none, no delivery is promised.
        for world in worlds:
            await asyncio.wait_for(world.riders_in.wait(), timeout=120)
        await asyncio.gather(shoppers(), *(till(w, sc.hours) for w in worlds))
        phase[0] = "finishing"
        until = max([await finish_by(w, stack.dsn) for w in worlds])
        while clock.now().timestamp() < until:
            try:
                if not any([await open_orders(stack.dsn, w.store_id, w.placed) for w in worlds]):
                    break
            except DatabaseUnavailable as exc:  # back in a moment: keep waiting
                log.warning("cannot count open orders now: %s", exc)
            await worlds[0].nap(20)
    finally:
        for world in worlds:
            world.done.set()
        shopping = [t for w in worlds for t in w.shopping]
        await asyncio.gather(*staff, *watchers, *shopping, return_exceptions=True)
    return started, clock.now(), samples


async def play(stack: Stack, sc: Scenario) -> tuple[Measured, dict]:
    async with client() as http:
        world = World(stack, sc, http)
        started, ended, (samples,) = await evening(
            stack,
            [world],
            sc,
            lambda: arrivals(world, sc.hours),
            lambda: (len(world.placed), world.tally["orders tried"]),
        )
    measured = await measure(
        stack.dsn, world.store_id, world.placed, started, ended, world.store_at
    )
    measured.samples = samples
    measured.dispatcher_cpu_s = cpu_seconds(stack.children.get("dispatcher"))
    return measured, dict(world.tally)


def cpu_seconds(child: subprocess.Popen | None) -> float | None:
    """CPU seconds a child of ours and its own children (the solver process) have used so far;
    None for services we did not start."""
    if child is None:
        return None
    try:
        process = psutil.Process(child.pid)
        return sum(sum(p.cpu_times()[:2]) for p in (process, *process.children(recursive=True)))
    except psutil.Error:  # it died (a fault test), or a child of it just ended
        return None


def simulate(sc: Scenario, name: str, out: Path, *, use_running: bool) -> dict[str, object]:
    """One run: start (or find) the system, play, write the report; the summary's figures."""
    wall = time.monotonic()
    with stack_for(sc, name, use_running=use_running) as stack:
        if use_running:  # its clock is the running services' own
            sc = sc.with_(clock_speed=stack.clock.speed)
        measured, tally = asyncio.run(play(stack, sc))
    for o in measured.orders:
        if o.status not in TERMINAL:
            log.warning("%s unfinished: %s since %s", o.order_id, o.status, max(o.stages.values()))
    numbers = figures(measured, tally, sc)
    report.write(out, name, sc, measured, numbers, time.monotonic() - wall)
    log.info("%s: %s", name, tally)
    return numbers


def simulate_all(
    sc: Scenario, policies: list[str], out: Path, *, use_running: bool
) -> dict[str, dict[str, object]]:
    """Each policy on the same seed; a report folder each and, for several, compare.md."""
    columns = {}
    for policy in policies:
        run = sc.with_(policy=policy)
        folder = out / policy if len(policies) > 1 else out
        columns[policy] = simulate(run, policy, folder, use_running=use_running)
    if len(policies) > 1:
        (out / "compare.md").write_text(report.table(columns) + "\n", encoding="utf-8")
    return columns
