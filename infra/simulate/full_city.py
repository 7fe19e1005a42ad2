"""`omo simulate --preset city`: the city's stores on one running stack, each open with its own
pickers and riders and one dispatcher serving them all (it claims each store by an advisory
lock); the city's shoppers, drawn over the union of the zones as the fast mode draws them, each
asking the stores in reach for the delivery service's quote and ordering from the one
`city.ask` picks (the rule the fast mode's `city.choose` runs). Reported as the fast city is: a
column per store and the city's, and choices.csv, where each shopper's order went and why."""

from __future__ import annotations

import asyncio
import csv
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import msgspec

from infra.simulate.city import Choice, City, StoreSite, ask
from infra.simulate.fast.city import CITY, city_figures, write_city
from infra.simulate.fast.run import NO_30
from infra.simulate.measure import Measured, measure
from infra.simulate.run import client, cpu_seconds, evening
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import arrivals, cut_off_counted, place, refused, shopper
from infra.simulate.stack import Stack, started
from infra.simulate.world import World
from services.delivery.quoting import Quote

CHOICES = "choices.csv"
DISPATCHER_CPU = "dispatcher CPU s a store-hour"


@dataclass(frozen=True)
class Asked:
    """One shopper's questions to the stores, and where the order went."""

    member_id: str
    door: tuple[float, float]
    choice: Choice


async def city_shop(
    worlds: dict[str, World],
    sites: list[StoreSite],
    tally: Counter,
    log: list[Asked],
    member_id: str,
) -> None:
    """A city's shopper: the app asks the stores whose zones may hold the door, nearest first,
    until one promises 30 minutes; the order is placed where `city.ask` says, or refused."""
    any_store = next(iter(worlds.values()))
    rng = any_store.rng(member_id)
    who = shopper(any_store.scenario, any_store.catalog, [s.at for s in sites], member_id, rng)
    tally["orders tried"] += 1
    door = (who.address["lat"], who.address["lng"])
    me = any_store.shopper(member_id)

    async def quote(site: StoreSite) -> Quote:
        body = {"store_id": site.store_id, "lat": door[0], "lng": door[1]}
        path = any_store.url("delivery", "/v1/quotes")
        r = await any_store.http.post(path, json=body, headers=me)
        r.raise_for_status()
        return msgspec.json.decode(r.content, type=Quote)

    choice = await ask(door, sites, quote, accept_later=who.accept_later)
    log.append(Asked(member_id, door, choice))
    for q in choice.asked:
        if q.deliverable and not q.meets_30_minutes:
            worlds[q.store_id].tally[NO_30] += 1
    if choice.quote is None or choice.quote.promise_at is None:
        refused(tally, choice.refusal(), who)
        return
    await place(worlds[choice.quote.store_id], who, rng, tally)


async def play_city(
    stack: Stack, sc: Scenario, city: City
) -> tuple[dict[str, tuple[Measured, dict]], dict, list[Asked], dict[str, World]]:
    """Each store's evening (what it recorded, its tally), the city's tally (the shoppers, the
    refusals), every shopper's questions, and the stores' worlds (whose order is whose)."""
    tally: Counter = Counter()
    log: list[Asked] = []
    async with client() as http:
        done = asyncio.Event()
        worlds = {
            s.site.store_id: World(
                stack,
                sc.with_(pickers=s.pickers, riders=s.riders),
                http,
                done=done,
                store_id=s.site.store_id,
                store_at=s.site.at,
            )
            for s in city.stores
        }
        first = next(iter(worlds.values()))
        shop = partial(city_shop, worlds, [s.site for s in city.stores], tally, log)

        async def go(member_id: str) -> None:
            await cut_off_counted(shop(member_id), member_id, tally)

        began, ended, samples = await evening(
            stack,
            list(worlds.values()),
            sc,
            lambda: arrivals(first, sc.hours, go),
            lambda: (sum(len(w.placed) for w in worlds.values()), tally["orders tried"]),
        )
    stores: dict[str, tuple[Measured, dict]] = {}
    for (store_id, w), queues in zip(worlds.items(), samples, strict=True):
        m = await measure(stack.dsn, store_id, w.placed, began, ended, w.store_at)
        m.samples = queues
        stores[store_id] = (m, dict(w.tally))
    return stores, dict(tally), log, worlds


def simulate_city_full(sc: Scenario, city: City, out: Path) -> dict[str, dict[str, object]]:
    """One run of the city on a stack of its own: the figures per store and for the city, and
    the report (`write_city`, with choices.csv)."""
    wall = time.monotonic()
    with started(sc, "city", city) as stack:
        stores, tally, log, worlds = asyncio.run(play_city(stack, sc, city))
        cpu = cpu_seconds(stack.children.get("dispatcher"))
    columns = city_figures(sc, city, stores, tally)
    # One dispatcher plans every store: its CPU is the city's alone.
    m = next(iter(stores.values()))[0]
    hours = (m.ended - m.started).total_seconds() / 3600
    columns[CITY][DISPATCHER_CPU] = cpu / hours if cpu is not None and hours else None
    mode = f"the full services at clock x{sc.clock_speed:g}"
    write_city(out, sc, city, stores, columns, mode, time.monotonic() - wall)
    write_choices(out / CHOICES, log, worlds)
    return columns


def write_choices(path: Path, log: list[Asked], worlds: dict[str, World]) -> None:
    """A row a shopper: the door, the stores asked (nearest first) and those of them that
    promised 30 minutes, the store chosen (none: refused) and the paid order there (none:
    refused at checkout or not paid)."""
    orders = {(w.store_id, m): o for w in worlds.values() for o, m in w.shoppers.items()}
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["member_id", "lat", "lng", "asked", "promised_30", "chosen", "order_id"])
        for a in log:
            chosen = a.choice.quote.store_id if a.choice.quote else ""
            out.writerow(
                [
                    a.member_id,
                    f"{a.door[0]:.6f}",
                    f"{a.door[1]:.6f}",
                    ";".join(q.store_id for q in a.choice.asked),
                    ";".join(q.store_id for q in a.choice.asked if q.meets_30_minutes),
                    chosen,
                    orders.get((chosen, a.member_id), ""),
                ]
            )
