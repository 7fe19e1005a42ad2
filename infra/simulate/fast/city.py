"""`omo simulate --preset city --fast`: a city's stores on one discrete-event clock, each with its
own floor, riders and dispatcher; the city's shoppers, drawn over the union of the zones, each
sent to a store by `city.choose` (the nearest that promises 30 minutes, else the earliest later
promise). Every store is reported on its own, and the city as all of them together."""

from __future__ import annotations

import time
from collections import Counter
from functools import partial
from pathlib import Path

from infra.simulate import plots, report
from infra.simulate.city import City
from infra.simulate.fast.catalog import catalog
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.evening import Evening
from infra.simulate.fast.run import NO_30, drive, offer
from infra.simulate.measure import Measured, combine, figures
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import arrival_times, shopper
from infra.simulate.world import agent_rng

CITY = "city"
PICKERS, RIDERS = "pickers", "riders"


def play_city(sc: Scenario, city: City) -> tuple[dict[str, tuple[Measured, dict]], dict]:
    """Each store's evening (what it recorded, its tally) and the city's tally (the shoppers,
    the refusals); `sc` is the city's demand, each store's staff the city's."""
    clock = Clock()
    items = catalog(sc)
    stores = [
        Evening(sc.with_(pickers=s.pickers, riders=s.riders), items, clock, s.site)
        for s in city.stores
    ]
    sites = [s.site.at for s in stores]
    tally: Counter = Counter()
    for t, member_id in arrival_times(sc, sc.hours):
        who = shopper(sc, items, sites, member_id, agent_rng(sc.seed, member_id))
        tally["orders tried"] += 1
        clock.at(t, partial(offer, stores, t, who, tally))
    ended, _ = drive(clock, stores, sc)
    return {s.site.store_id: (s.measured(ended), dict(s.tally)) for s in stores}, dict(tally)


def city_figures(
    sc: Scenario, city: City, stores: dict[str, tuple[Measured, dict]], tally: dict
) -> dict[str, dict[str, object]]:
    """A column of figures per store and one for the city (every store's orders together,
    refusals are the city's: a shopper is refused only when no store would take them)."""
    columns: dict[str, dict[str, object]] = {}
    for s in city.stores:
        m, mine = stores[s.site.store_id]
        staff = sc.with_(pickers=s.pickers, riders=s.riders)
        columns[s.site.store_id] = {
            PICKERS: s.pickers,
            RIDERS: s.riders,
            **figures(m, mine, staff),
            NO_30: mine.get(NO_30, 0),
        }
    pickers = sum(s.pickers for s in city.stores)
    riders = sum(s.riders for s in city.stores)
    everyone = combine([m for m, _ in stores.values()])
    columns[CITY] = {
        PICKERS: pickers,
        RIDERS: riders,
        **figures(everyone, tally, sc.with_(pickers=pickers, riders=riders)),
        NO_30: sum(mine.get(NO_30, 0) for _, mine in stores.values()),
    }
    return columns


def simulate_city(sc: Scenario, city: City, out: Path | None) -> dict[str, dict[str, object]]:
    """One fast run of the city: the figures per store and for the city; with `out`, its report
    (`write_city`)."""
    wall = time.monotonic()
    stores, tally = play_city(sc, city)
    columns = city_figures(sc, city, stores, tally)
    if out is not None:
        write_city(out, sc, city, stores, columns, "fast mode", time.monotonic() - wall)
    return columns


def write_city(
    out: Path,
    sc: Scenario,
    city: City,
    stores: dict[str, tuple[Measured, dict]],
    columns: dict[str, dict[str, object]],
    mode: str,
    wall_s: float,
) -> None:
    """A report folder per store, the city's map, and city.md with every column side by side;
    `mode` says what played the evening (the fast mode, or the services at a clock)."""
    for s in city.stores:
        store_id = s.site.store_id
        m, _ = stores[store_id]
        # the store's own demand is what it took; the city's is in city.md
        taken = sc.with_(
            orders_per_hour=len(m.orders) / sc.hours, pickers=s.pickers, riders=s.riders
        )
        report.write(out / store_id, store_id, taken, m, columns[store_id], wall_s)
    head = (
        f"# omo simulate: a city of {len(city.stores)} stores\n\n"
        f"{sc.orders_per_hour:g} orders/h over the city for {sc.hours * 60:g} min of store time, "
        f"dispatch `{sc.policy}`, seed {sc.seed}, {mode} ({wall_s:.0f} s "
        "wall). Each shopper's order goes to the nearest store whose quote promises 30 "
        "minutes, else to the earliest later promise they accept; the city column is every "
        "store's orders together, and its refusals (no store would take the order).\n\n"
    )
    out.mkdir(parents=True, exist_ok=True)
    plots.save(
        plots.city_map(
            {s.site.store_id: (stores[s.site.store_id][0], s.site.radius_m) for s in city.stores}
        ),
        out / "city_map.png",
    )
    (out / "city.md").write_text(head + report.table(columns) + "\n", encoding="utf-8")
