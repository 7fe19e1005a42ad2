"""The run as the system recorded it: every order's stage times, picks, routes and pings, read
from the database (read only) after the agents stop; and the figures of the summary."""

from __future__ import annotations

import itertools
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from infra.simulate.geo import distance_m
from infra.simulate.scenario import Scenario
from shared.db import connect

STAGES = ("created", "paid", "packed", "out_for_delivery", "delivered", "delivery_failed")
TERMINAL = {"delivered", "delivery_failed", "collected", "cancelled", "expired", "payment_failed"}
PROMISE_MIN = 30
AT_STORE_M = 30.0

ORDERS = """
SELECT o.order_id, o.status, o.promise_at,
       jsonb_object_agg(s.stage, s.at) FILTER (WHERE s.stage IS NOT NULL) AS stages
FROM orders.orders o LEFT JOIN orders.order_stages s USING (store_id, order_id)
WHERE o.store_id = $1 AND o.order_id = ANY($2::text[])
GROUP BY o.order_id, o.status, o.promise_at
"""
PICKS = """
SELECT order_id, min(claimed_at) AS claimed, min(first_scan_at) AS first_scan,
       max(packed_at) AS packed
FROM fulfillment.pick_tasks WHERE store_id = $1 AND order_id = ANY($2::text[])
GROUP BY order_id
"""
ROUTES = """
SELECT r.route_id, r.rider_id, r.planned_at, r.picked_up_at, r.done_at, count(s.seq) AS stops
FROM delivery.routes r JOIN delivery.route_stops s USING (store_id, route_id)
WHERE r.store_id = $1 AND r.status <> 'cancelled' GROUP BY r.store_id, r.route_id
"""
PINGS = """
SELECT rider_id, at, lat, lng FROM delivery.pings WHERE store_id = $1 ORDER BY rider_id, at
"""
SUBSTITUTIONS = """
SELECT count(*) AS proposed, count(*) FILTER (WHERE approved) AS approved,
       count(*) FILTER (WHERE decided_by = 'preference') AS by_preference
FROM orders.substitutions WHERE store_id = $1 AND order_id = ANY($2::text[])
"""


@dataclass
class OrderRow:
    order_id: str
    status: str
    promise_at: datetime
    stages: dict[str, datetime]
    claimed: datetime | None = None
    first_scan: datetime | None = None

    def minutes(self, stage: str, since: str = "paid") -> float | None:
        a, b = self.stages.get(since), self.stages.get(stage)
        return (b - a).total_seconds() / 60 if a and b else None

    def at_door(self) -> float | None:
        """Minutes from paid to the door: delivered, or the rider reporting a failed hand-over
        there; None while not at the door."""
        return self.minutes("delivered") or self.minutes("delivery_failed")

    def within_30(self) -> bool:
        at = self.at_door()
        return at is not None and at <= PROMISE_MIN

    def kept_promise(self) -> bool:
        return "delivered" in self.stages and self.stages["delivered"] <= self.promise_at


@dataclass
class Measured:
    orders: list[OrderRow]
    routes: list[dict]
    pings: dict[str, list[tuple[datetime, float, float]]]
    substitutions: dict
    started: datetime
    ended: datetime
    store_at: tuple[float, float]
    samples: list[dict] = field(default_factory=list)
    dispatcher_cpu_s: float | None = None  # the dispatcher's and its solver's, over the run


def combine(stores: Sequence[Measured]) -> Measured:
    """Several stores' evenings (on one clock) as one, for a city's figures: each route keeps
    the store it starts from (`home`), where its rider comes back to."""
    first = stores[0]
    return Measured(
        sorted((o for m in stores for o in m.orders), key=lambda o: o.stages["paid"]),
        [{**r, "home": m.store_at} for m in stores for r in m.routes],
        {rider: p for m in stores for rider, p in m.pings.items()},
        {k: sum(m.substitutions[k] for m in stores) for k in first.substitutions},
        first.started,
        max(m.ended for m in stores),
        first.store_at,
        dispatcher_cpu_s=sum(m.dispatcher_cpu_s or 0.0 for m in stores),
    )


async def open_orders(dsn: str, store_id: str, order_ids: list[str]) -> int:
    conn = await connect(dsn)
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM orders.orders WHERE store_id = $1 AND order_id = ANY($2::text[])"
            " AND status <> ALL($3::text[])",
            store_id,
            order_ids,
            list(TERMINAL),
        )
    finally:
        await conn.close()


async def latest_promise(dsn: str, store_id: str, order_ids: list[str]) -> datetime | None:
    conn = await connect(dsn)
    try:
        return await conn.fetchval(
            "SELECT max(promise_at) FROM orders.orders"
            " WHERE store_id = $1 AND order_id = ANY($2::text[])",
            store_id,
            order_ids,
        )
    finally:
        await conn.close()


async def measure(
    dsn: str,
    store_id: str,
    order_ids: list[str],
    started: datetime,
    ended: datetime,
    store_at: tuple[float, float],
) -> Measured:
    conn = await connect(dsn)
    try:
        picks = {r["order_id"]: r for r in await conn.fetch(PICKS, store_id, order_ids)}
        orders = []
        for r in await conn.fetch(ORDERS, store_id, order_ids):
            raw = r["stages"] or {}
            stages = {k: datetime.fromisoformat(v) for k, v in _json(raw).items()}
            p = picks.get(r["order_id"])
            orders.append(
                OrderRow(
                    r["order_id"],
                    r["status"],
                    r["promise_at"],
                    stages,
                    p and p["claimed"],
                    p and p["first_scan"],
                )
            )
        routes = [dict(r) for r in await conn.fetch(ROUTES, store_id)]
        pings: dict[str, list] = {}
        for r in await conn.fetch(PINGS, store_id):
            pings.setdefault(r["rider_id"], []).append((r["at"], r["lat"], r["lng"]))
        subs = dict(await conn.fetchrow(SUBSTITUTIONS, store_id, order_ids))
    finally:
        await conn.close()
    orders.sort(key=lambda o: o.stages.get("paid") or o.promise_at)
    return Measured(orders, routes, pings, subs, started, ended, store_at)


def _json(raw: Any) -> dict:
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def figures(m: Measured, tally: dict, sc: Scenario) -> dict[str, object]:
    """The summary's numbers, by name, in the order the table shows them."""
    delivered = [o for o in m.orders if o.status == "delivered"]
    door = [x for o in delivered if (x := o.minutes("delivered")) is not None]
    within_30 = sum(1 for o in m.orders if o.within_30())
    in_promise = sum(1 for o in delivered if o.kept_promise())
    picks = [x for o in m.orders if (x := o.minutes("packed")) is not None]
    picking = [
        (o.stages["packed"] - o.claimed).total_seconds() / 60
        for o in m.orders
        if o.claimed and "packed" in o.stages
    ]
    peak_until = m.started + timedelta(hours=sc.hours)
    km = sum(_path_m(p) for p in m.pings.values()) * sc.detour / 1000
    trips = [r["stops"] for r in m.routes if r["picked_up_at"]]
    refused = sum(v for k, v in tally.items() if k.startswith("refused: "))
    store_hours = (m.ended - m.started).total_seconds() / 3600

    def pct(n: int, of: int) -> float | None:
        return 100 * n / of if of else None

    return {
        "orders placed (paid)": len(m.orders),
        "orders refused at checkout": refused,
        "  of them outside 3 km": tally.get("refused (outside 3 km)", 0),
        "delivered": len(delivered),
        "delivery failed": sum(1 for o in m.orders if o.status == "delivery_failed"),
        "not finished when the run ended": sum(1 for o in m.orders if o.status not in TERMINAL),
        "at the door within 30 min of payment (% of paid)": pct(within_30, len(m.orders)),
        "delivered by the promise (% of delivered)": pct(in_promise, len(delivered)),
        "paid to door p50 (min)": percentile(door, 50),
        "paid to door p95 (min)": percentile(door, 95),
        "paid to door max (min)": max(door, default=None),
        "paid to packed p50 (min)": percentile(picks, 50),
        "paid to packed p95 (min)": percentile(picks, 95),
        "picking, first claim to packed p50 (min)": percentile(picking, 50),
        "rider utilisation while orders arrive (%)": 100
        * away_s(m, peak_until)
        / (sc.riders * sc.hours * 3600),
        "rider hours away on trips": away_s(m, m.ended) / 3600,
        "orders per trip": statistics.mean(trips) if trips else None,
        "km per delivered order": km / len(delivered) if delivered else None,
        "substitutes proposed": m.substitutions["proposed"],
        "substitutes approved": m.substitutions["approved"],
        "substitutes decided by preference (no answer)": m.substitutions["by_preference"],
        "till sales": tally.get("till sales", 0),
        # Wall CPU seconds over store hours: the clock runs fast, so the same evening's plans
        # fall in fewer wall seconds, but each costs what it costs.
        "dispatcher CPU s a store-hour": m.dispatcher_cpu_s / store_hours
        if m.dispatcher_cpu_s is not None and store_hours
        else None,
    }


def away_s(m: Measured, until: datetime) -> float:
    """Riders' time away on trips before `until`: from scanning the bags out to being back at
    the store (the first ping there after the last door), the ride back included."""
    total = 0.0
    for r in m.routes:
        if not r["picked_up_at"]:
            continue
        back = m.ended
        if r["done_at"]:
            back = next(
                (
                    at
                    for at, lat, lng in m.pings.get(r["rider_id"], ())
                    if at >= r["done_at"]
                    and distance_m((lat, lng), r.get("home", m.store_at)) < AT_STORE_M
                ),
                m.ended,
            )
        total += max(0.0, (min(back, until) - r["picked_up_at"]).total_seconds())
    return total


def _path_m(pings: list[tuple[datetime, float, float]]) -> float:
    return sum(distance_m(a[1:], b[1:]) for a, b in itertools.pairwise(pings))
