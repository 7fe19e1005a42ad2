"""Play one store's evening in the fast mode and report it as the full simulator does."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from infra.simulate import report
from infra.simulate.city import StoreSite, choose
from infra.simulate.fast.catalog import catalog
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.evening import Evening, stamp
from infra.simulate.fast.search import CUT, KEPT, WITHIN_30, Target
from infra.simulate.measure import Measured, figures
from infra.simulate.run import SAMPLE_S
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import Shopper, arrival_times, shopper
from infra.simulate.world import agent_rng

CHECK_S = 20.0  # how often the run looks whether every order is done, as the full one does
NO_30 = "quoted, could not promise 30 min"


def offer(stores: Sequence[Evening], now: float, who: Shopper, tally: Counter) -> None:
    """A shopper at checkout, sent to the store `city.choose` picks and placed and paid there;
    or refused (outside every zone, no promise, or a later one they will not take), counted in
    `tally`. A store that was asked and could not promise 30 minutes counts it."""
    door = (who.address["lat"], who.address["lng"])
    by_id = {s.site.store_id: s for s in stores}
    choice = choose(
        door,
        [s.site for s in stores],
        lambda site: by_id[site.store_id].quote(now, door),
        accept_later=who.accept_later,
    )
    for q in choice.asked:
        if q.deliverable and not q.meets_30_minutes:
            by_id[q.store_id].tally[NO_30] += 1
    if choice.quote is None or choice.quote.promise_at is None:
        tally[f"refused: {choice.refusal()}"] += 1
        tally["refused (outside 3 km)" if who.outside else "refused (inside 3 km)"] += 1
        return
    by_id[choice.quote.store_id].place(now, who, choice.quote.promise_at)


@dataclass
class Played:
    """One fast evening: what the report reads, its figures, its wall time."""

    measured: Measured
    tally: dict
    numbers: dict[str, object]
    wall_s: float


def play(sc: Scenario, cut_against: Target | None = None) -> Played:
    """The evening; with `cut_against`, stopped at the first check (every `CHECK_S` of store
    time) at which it can no longer meet that target (`Target.doomed`, counting every shopper
    still to come as paid, on time and delivered, and every order in hand as late once even
    its soonest door is over 30 minutes: `Evening.certain_misses`), its target figures then
    the best it could still have ended with and `CUT` the store minute it stopped."""
    wall = time.monotonic()
    clock = Clock()
    items = catalog(sc)
    store = Evening(sc, items, clock, StoreSite())
    arrivals = list(arrival_times(sc, sc.hours))
    for t, member_id in arrivals:
        who = shopper(sc, items, [store.site.at], member_id, agent_rng(sc.seed, member_id))
        store.tally["orders tried"] += 1
        clock.at(t, partial(offer, [store], t, who, store.tally))
    misses: list[tuple[int, int]] = []

    def most() -> int:  # paid orders at most: every shopper not yet refused
        refused = sum(v for k, v in store.tally.items() if k.startswith("refused: "))
        return len(arrivals) - refused

    def doomed(now: float) -> bool:
        if cut_against is None:
            return False
        misses[:] = [store.certain_misses(now)]
        return cut_against.doomed(*misses[0], most())

    ended, cut = drive(clock, [store], sc, doomed)
    measured, tally = store.measured(ended), dict(store.tally)
    numbers = figures(measured, tally, sc)
    if cut and cut_against is not None:
        numbers[WITHIN_30], numbers[KEPT] = cut_against.ceilings(*misses[0], most())
        numbers[CUT] = ended / 60
    numbers["wall s"] = time.monotonic() - wall
    return Played(measured, tally, numbers, time.monotonic() - wall)


@contextmanager
def players(target: Target, workers: int) -> Iterator[Callable[[Sequence[Scenario]], list[Played]]]:
    """Plays staffings against `target` (cut when doomed), up to `workers` at once, each in a
    process of its own (spawned: a fresh interpreter, so a run depends on nothing but its
    scenario and staffing); one worker plays them in turn in this process."""
    if workers <= 1:
        yield lambda scenarios: [play(sc, target) for sc in scenarios]
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield lambda scenarios: list(pool.map(play, scenarios, [target] * len(scenarios)))


def drive(
    clock: Clock,
    stores: list[Evening],
    sc: Scenario,
    doomed: Callable[[float], bool] | None = None,
) -> tuple[float, bool]:
    """Run until every paid order is done after the last arrival, or `finish_by`, or `doomed`
    says the evening can no longer meet its target; the end, and whether it was that cut."""
    closing = sc.hours * 3600
    state = {"until": float("inf"), "done": False, "cut": False}

    def over() -> bool:
        return bool(state["done"])

    def sample(now: float) -> None:
        for s in stores:
            s.sample(now)
        if not over():
            clock.at(now + SAMPLE_S, lambda: sample(now + SAMPLE_S))

    def check(now: float) -> None:
        if doomed is not None and doomed(now):
            state["done"] = state["cut"] = True
            return
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
    return clock.now, bool(state["cut"])


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
    played = play(sc)
    if out is not None:
        write(out, name, sc, played, target)
    return played.numbers


def write(out: Path, name: str, sc: Scenario, played: Played, target: Target | None) -> None:
    """The report folder of a fast evening already played."""
    report.write(out, name, sc, played.measured, played.numbers, played.wall_s, target)
