"""Shoppers and the till: orders arrive as a Poisson process, pay, and answer substitutions;
walk-in baskets compete for the same stock."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, NamedTuple

import httpx

from infra.simulate.geo import distance_m, offset
from infra.simulate.scenario import Scenario
from infra.simulate.world import World, agent_rng, key
from shared.auth import Role

log = logging.getLogger("omo.simulate")
OPEN = {"awaiting_payment", "placed", "picking", "picked"}  # substitutions come before packing
CASH = {"kind": "cash", "received": {"amount": 1_000_000, "currency": "JPY"}}
BASKET_SHARE = 0.04  # of the demo's 230 products, a basket of 3 to 15 holds each this often
GRAMS = 1_000  # a weighed line's most likely size, rounded up (150 to 1500 g)
ZONES_PER_ORDER = 3.3  # of the four temperature zones, a basket touches this many


def basket(catalog: list[dict], rng: random.Random) -> list[dict]:
    """3 to 15 distinct products in stock, weighed produce by grams, preferences mixed."""
    stocked = [p for p in catalog if p["in_stock"]]
    lines = []
    for p in rng.sample(stocked, k=min(len(stocked), rng.randint(3, 15))):
        preference = rng.choices(["none", "same_brand", "any"], weights=[3, 3, 4])[0]
        line: dict = {"sku": p["sku"], "substitution": preference}
        if p["unit"] == "kg":
            line["grams"] = min(p["available"], rng.randrange(150, 1550, 50))
            if line["grams"] < 50:
                continue
        else:
            line["quantity"] = min(p["available"], rng.choices([1, 2, 3], weights=[6, 3, 1])[0])
        lines.append(line)
    return lines


def address(
    stores: Sequence[tuple[float, float]], outside_share: float, rng: random.Random
) -> tuple[dict, bool]:
    """A door within 2.9 km of a store, uniform over the union of the stores' discs, or ~3 %
    beyond every store's 3 km. With several stores a door is drawn around one of them and, when
    k discs hold it, kept one time in k (so an overlap is not drawn k times as often); one store
    draws exactly as it always has."""
    outside = rng.random() < outside_share
    while True:
        home = stores[rng.randrange(len(stores))] if len(stores) > 1 else stores[0]
        metres = rng.uniform(3_300, 5_000) if outside else 2_900 * math.sqrt(rng.random())
        lat, lng = offset(home, metres, rng.uniform(0, 2 * math.pi))
        if len(stores) == 1:
            break
        near = sum(1 for s in stores if distance_m(s, (lat, lng)) <= (3_000 if outside else 2_900))
        if (outside and near == 0) or (not outside and rng.random() * near < 1):
            break
    return {"lat": lat, "lng": lng, "text": f"Sim door {metres:.0f} m out"}, outside


class Shopper(NamedTuple):
    """What one shopper orders, drawn from their own stream: the same for a seed whichever
    mode plays the evening (`omo simulate` or `--fast`)."""

    member_id: str
    address: dict
    outside: bool
    lines: list[dict]
    accept_later: bool


def shopper(
    sc: Scenario,
    catalog: list[dict],
    stores: Sequence[tuple[float, float]],
    member_id: str,
    rng: random.Random,
) -> Shopper:
    """`rng`: the shopper's own stream (`agent_rng`), which answers substitutions later;
    `stores`: where the stores stand (the door is drawn over their zones)."""
    where, outside = address(stores, sc.outside_share, rng)
    lines = basket(catalog, rng)
    return Shopper(member_id, where, outside, lines, rng.random() < sc.accept_later_share)


def arrival_times(sc: Scenario, hours: float) -> Iterator[tuple[float, str]]:
    """Seconds after opening each order arrives (exponential gaps at `orders_per_hour`, for
    `hours`), with its shopper's member id."""
    rate = sc.orders_per_hour / 3600
    rng = agent_rng(sc.seed, "arrivals")
    at, n = 0.0, 0
    while (at := at + rng.expovariate(rate)) <= hours * 3600:
        n += 1
        yield at, f"mem_sim_{sc.seed}_{n}"


async def arrivals(
    world: World, hours: float, go: Callable[[str], Coroutine[Any, Any, None]] | None = None
) -> None:
    """Orders at `orders_per_hour`, exponential gaps, for `hours` of store time; each shopper
    is a task in `world.shopping`, shopping at `world`'s store unless `go` sends them (by
    member id) elsewhere."""
    opened = world.clock.now().timestamp()
    for after, member_id in arrival_times(world.scenario, hours):
        # by the clock: a slow call does not push the next back
        if await world.nap_until(opened + after):
            break
        task = asyncio.create_task(go(member_id) if go else shop(world, member_id))
        world.shopping.add(task)  # the run waits for the orders, not for these
        task.add_done_callback(world.shopping.discard)


async def shop(world: World, member_id: str) -> None:
    await cut_off_counted(_shop(world, member_id), member_id, world.tally)


async def cut_off_counted(shopping: Awaitable[None], member_id: str, tally: Counter) -> None:
    try:
        await shopping
    except httpx.HTTPError as exc:  # the service went away mid-order: this shopper gives up
        tally[f"orders cut off ({type(exc).__name__})"] += 1
        log.debug("%s cut off: %r", member_id, exc)


async def _shop(world: World, member_id: str) -> None:
    rng = world.rng(member_id)
    who = shopper(world.scenario, world.catalog, [world.store_at], member_id, rng)
    world.tally["orders tried"] += 1
    await place(world, who, rng, world.tally)


def refused(tally: Counter, kind: str, who: Shopper) -> None:
    tally[f"refused: {kind}"] += 1
    tally["refused" + (" (outside 3 km)" if who.outside else " (inside 3 km)")] += 1


async def place(world: World, who: Shopper, rng: random.Random, tally: Counter) -> None:
    """`who` orders at `world`'s store, pays, and follows the order in the app; a refusal at
    checkout is counted in `tally` (the store's, or the city's for a city's shopper)."""
    member_id = who.member_id
    me = world.shopper(member_id)
    request = {
        "store_id": world.store_id,
        "fulfilment": "delivery",
        "address": who.address,
        "lines": who.lines,
        "accept_later_promise": who.accept_later,
    }
    placed = await world.http.post(
        world.url("orders", "/v1/orders"), json=request, headers={**me, **key()}
    )
    if placed.status_code != 201:
        kind = placed.json().get("type", str(placed.status_code)).rsplit("/", 1)[-1]
        log.debug("refused %s: %s", placed.status_code, placed.text)
        refused(tally, kind, who)
        return
    order_id = placed.json()["order_id"]
    paid = await world.http.post(
        world.url("orders", f"/v1/orders/{order_id}/confirm-payment"), json={}, headers=me
    )
    if paid.status_code != 200:
        tally["payment failed"] += 1
        return
    world.shoppers[order_id] = member_id
    world.placed.append(order_id)
    await answer_substitutions(world, order_id, me, rng)


async def answer_substitutions(world: World, order_id: str, me: dict, rng: random.Random) -> None:
    """Watch the order in the app until it is packed, answering each proposed substitute."""
    answered: set[str] = set()
    while not await world.nap(30):
        view = await world.http.get(world.url("orders", f"/v1/orders/{order_id}"), headers=me)
        if view.status_code != 200:
            continue
        order = view.json()
        for proposal in order["substitutions"]:
            sid = proposal["substitution_id"]
            if proposal["approved"] is not None or sid in answered:
                continue
            answered.add(sid)
            approve = rng.random() < world.scenario.approve_share
            r = await world.http.post(
                world.url("orders", f"/v1/orders/{order_id}/substitutions/{sid}"),
                json={"approve": approve},
                headers=me,
            )
            if r.status_code == 200:
                world.tally["substitutes approved" if approve else "substitutes declined"] += 1
        if order["status"] not in OPEN:
            return


async def till(world: World, hours: float) -> None:
    """Walk-in baskets of 1 to 5 packaged items at the till, on the same stock."""
    rate = world.scenario.till_sales_per_hour / 3600
    if rate <= 0:
        return
    cashier = world.staff(Role.CASHIER, "cashier-sim")
    at = world.clock.now().timestamp()
    until = at + hours * 3600
    pieces = [p for p in world.catalog if p["unit"] != "kg"]
    rng = world.rng("till")
    while True:
        at += rng.expovariate(rate)
        if at > until or await world.nap_until(at):
            return
        codes = [p["ean"] for p in rng.sample(pieces, k=rng.randint(1, 5))]
        try:
            r = await world.http.post(
                world.url("orders", f"/v1/stores/{world.store_id}/sales"),
                json={"barcodes": codes, "tender": CASH},
                headers={**cashier, **key()},
            )
        except httpx.HTTPError:  # the service is away: this customer leaves, the next comes
            world.tally["till sales failed"] += 1
            continue
        world.tally["till sales" if r.status_code in (200, 201) else "till sales refused"] += 1
