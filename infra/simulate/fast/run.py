"""Play one store's evening in the fast mode and report it as the full simulator does."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from infra.simulate import report
from infra.simulate.fast.catalog import catalog
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.evening import Evening, StoreSite, stamp
from infra.simulate.fast.search import Target
from infra.simulate.measure import Measured, figures
from infra.simulate.run import SAMPLE_S
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import Shopper, arrival_times, shopper
from infra.simulate.world import agent_rng

CHECK_S = 20.0  # how often the run looks whether every order is done, as the full one does


def offer(store: Evening, now: float, who: Shopper) -> None:
    """A shopper at checkout: refused outside the zone, without a rider, or when they will not
    take a later promise; else placed and paid."""
    if not store.deliverable((who.address["lat"], who.address["lng"])):
        store.tally["refused: outside-zone"] += 1
        store.tally["refused (outside 3 km)" if who.outside else "refused (inside 3 km)"] += 1
        return
    _, promise_at, in_30 = store.quote(now, (who.address["lat"], who.address["lng"]))
    if promise_at is None or (not in_30 and not who.accept_later):
        store.tally["refused: no-promise" if promise_at is None else "refused: later-promise"] += 1
        store.tally["refused (inside 3 km)"] += 1
        return
    store.place(now, who, promise_at)


def play(sc: Scenario) -> tuple[Measured, dict]:
    clock = Clock()
    items = catalog(sc)
    store = Evening(sc, items, clock, StoreSite())
    for t, member_id in arrival_times(sc, sc.hours):
        who = shopper(sc, items, store.site.at, member_id, agent_rng(sc.seed, member_id))
        store.tally["orders tried"] += 1
        clock.at(t, partial(offer, store, t, who))
    ended = drive(clock, [store], sc)
    return store.measured(ended), dict(store.tally)


def drive(clock: Clock, stores: list[Evening], sc: Scenario) -> float:
    """Run until every paid order is done after the last arrival, or `finish_by`; the end."""
    closing = sc.hours * 3600
    state = {"until": float("inf"), "done": False}

    def over() -> bool:
        return bool(state["done"])

    def sample(now: float) -> None:
        for s in stores:
            s.sample(now)
        if not over():
            clock.at(now + SAMPLE_S, lambda: sample(now + SAMPLE_S))

    def check(now: float) -> None:
        if now >= closing:
            if state["until"] == float("inf"):
                state["until"] = finish_by(stores, sc, now)
            if now >= state["until"] or not any(s.open_orders() for s in stores):
                state["done"] = True
                return
        clock.at(now + CHECK_S, lambda: check(now + CHECK_S))

    for s in stores:
        s.dispatcher.tick(0.0, over)
    sample(0.0)
    check(0.0)
    clock.run_until(over)
    return clock.now


def finish_by(stores: list[Evening], sc: Scenario, now: float) -> float:
    """As the full run: `drain_minutes` after the last order, or a quarter of an hour past the
    latest promise, at most three times `drain_minutes`."""
    drain = sc.drain_minutes * 60
    promises = [o.promise_at for s in stores for o in s.orders.values()]
    latest = (max(promises) - stamp(0)).total_seconds() + 15 * 60 if promises else 0.0
    return min(max(now + drain, latest), now + 3 * drain)


def simulate_fast(
    sc: Scenario, out: Path | None, name: str = "fast", target: Target | None = None
) -> dict[str, object]:
    """One fast run: its figures, and its report folder (plots against `target`) if `out` is
    given."""
    wall = time.monotonic()
    measured, tally = play(sc)
    numbers = figures(measured, tally, sc)
    numbers["wall s"] = time.monotonic() - wall
    if out is not None:
        report.write(out, name, sc, measured, numbers, time.monotonic() - wall, target)
    return numbers
