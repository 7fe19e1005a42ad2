"""`omo simulate --preset city --find-staff`: the fewest pickers and riders at each store of a
city, by fast runs of the whole city.

Stores interact only through the shoppers: a store that cannot promise 30 minutes sends its
shoppers on to a neighbour. So each store is searched in turn as one store is (`find_staff`:
pickers with riders to spare, then riders; bracket, bisect), with every other store held at its
current staffing, starting from the city's own staffing. A staffing passes when the store keeps
the target and so does every other store that kept it with this store as it was: no store
passes by handing its shoppers to a neighbour that then fails, and none is held back by a
neighbour that failed anyway (that one's own search will grow it). A store that cannot keep the
target at three times its start stops there, and the table shows it failing. A city run is
played once per staffing (the same staffing gives the same figures for every search).

One round is enough while no store ends above where it started: a neighbour with fewer staff
sends more shoppers on, never fewer, so an earlier store's smallest staffing can only have grown
since it was searched, and it still passes. When a store had to grow, its neighbours may now
need less, and a second round searches every store again from the answers. Two rounds at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infra.simulate.city import City
from infra.simulate.fast.city import CITY
from infra.simulate.fast.search import (
    KEPT,
    WITHIN_30,
    Search,
    Target,
    find_staff,
    num,
    one_by_one,
)
from infra.simulate.scenario import Scenario

OWN_30, OWN_KEPT = "store: within 30 min", "store: promises kept"
CEILING = 3  # times a store's start, the most its search tries
Play = Callable[[Scenario, City], dict[str, dict[str, object]]]


@dataclass
class Searched:
    round: int
    store_id: str
    search: Search
    pickers: int
    riders: int


def judged(
    columns: dict[str, dict[str, object]], store_id: str, kept: set[str]
) -> dict[str, object]:
    """A city run as the search of one store sees it: the store's figures, but judged on the
    worst of it and the stores in `kept`."""
    judged_on = [c for name, c in columns.items() if name in kept or name == store_id]
    mine = columns[store_id]
    return {
        **mine,
        OWN_30: mine[WITHIN_30],
        OWN_KEPT: mine[KEPT],
        WITHIN_30: min(num(c[WITHIN_30]) for c in judged_on),
        KEPT: min(num(c[KEPT]) for c in judged_on),
    }


def find_city_staff(
    sc: Scenario, city: City, target: Target, play: Play, rounds: int = 2
) -> tuple[list[Searched], City]:
    """Each store's fewest staff, the others held (see the module's docstring)."""
    played: dict[City, dict[str, dict[str, object]]] = {}

    def run(c: City) -> dict[str, dict[str, object]]:
        if c not in played:
            played[c] = play(sc, c)
        return played[c]

    done: list[Searched] = []
    for n in range(1, rounds + 1):
        started = city
        for store in started.stores:
            store_id = store.site.store_id
            now = next(s for s in city.stores if s.site.store_id == store_id)
            kept = {
                name
                for name, c in run(city).items()
                if name not in (CITY, store_id) and target.met(c)
            }

            def one(
                trial: Scenario, held: City = city, store_id: str = store_id, kept: set = kept
            ) -> dict:
                return judged(
                    run(held.staffed(store_id, trial.pickers, trial.riders)), store_id, kept
                )

            search, pickers, riders = find_staff(
                sc, target, one_by_one(one), guess=(now.pickers, now.riders), most=CEILING
            )
            done.append(Searched(n, store_id, search, pickers, riders))
            city = city.staffed(store_id, pickers, riders)
        if not any(
            a.pickers > b.pickers or a.riders > b.riders
            for a, b in zip(city.stores, started.stores, strict=True)
        ):
            break
    return done, city


def table(done: list[Searched], city: City, target: Target) -> str:
    """Every city run, in the order played, and each store's answer with the city's margin."""
    rows = [
        "| # | round | store searched | pickers | riders | its orders | its within 30 min |"
        " its promises kept | worst judged within 30 min | worst judged kept | meets | wall s |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    i = 0
    for step in done:
        for t in step.search.tried:
            i += 1
            f = t.figures
            rows.append(
                f"| {i} | {step.round} | {step.store_id} | {t.pickers} | {t.riders} |"
                f" {f['orders placed (paid)']} | {num(f[OWN_30]):.1f} % |"
                f" {num(f[OWN_KEPT]):.1f} % | {num(f[WITHIN_30]):.1f} % |"
                f" {num(f[KEPT]):.1f} % | {'yes' if t.met else 'no'} | {t.wall_s:.0f} |"
            )
    last = done[-1]
    answer = next(
        t for t in last.search.tried if (t.pickers, t.riders) == (last.pickers, last.riders)
    )
    m30, mkept = target.margin(answer.figures)
    rows += [
        "",
        "answer, each store with one picker fewer or one rider fewer failing (the others held):",
    ]
    rows += [f"- {s.site.store_id}: {s.pickers} pickers, {s.riders} riders" for s in city.stores]
    runs = sum(len(s.search.tried) for s in done)
    rows.append(
        f"at the answer the worst store has {num(answer.figures[WITHIN_30]):.1f} % at the door"
        f" within 30 min ({m30:+.1f} points over {target.within_30:g} %) and"
        f" {num(answer.figures[KEPT]):.1f} % of promises kept ({mkept:+.1f});"
        f" {runs} city runs, {sum(t.wall_s for s in done for t in s.search.tried):.0f} s."
    )
    return "\n".join(rows)
