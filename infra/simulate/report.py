"""The report folder: summary.md, orders.csv and the plots."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator

from infra.seed import STORE
from infra.simulate.measure import PROMISE_MIN, STAGES, Measured, OrderRow
from infra.simulate.scenario import Scenario


def fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table(columns: dict[str, dict[str, object]]) -> str:
    """Figures side by side, one column per run."""
    names = list(columns)
    rows = list(next(iter(columns.values())))
    out = ["| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    out += [f"| {r} | " + " | ".join(fmt(columns[n].get(r)) for n in names) + " |" for r in rows]
    return "\n".join(out)


def write(out: Path, name: str, sc: Scenario, m: Measured, figures: dict, wall_s: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    head = (
        f"# omo simulate: {name}\n\n"
        f"{sc.orders_per_hour:g} orders/h for {sc.hours * 60:g} min of store time, "
        f"{sc.pickers} pickers, {sc.riders} riders, dispatch `{sc.policy}`, seed {sc.seed}, "
        f"clock x{sc.clock_speed:g} ({wall_s:.0f} s wall).\n"
        f"Store time {_local(m.started)} to {_local(m.ended)} ({STORE.timezone}); the plots "
        "count minutes since opening. Times are the services' own stage times. At the door "
        "means delivered, or the rider reporting a failed hand-over there; an order not "
        "finished counts as late.\n\n"
    )
    (out / "summary.md").write_text(head + table({name: figures}) + "\n", encoding="utf-8")
    with (out / "orders.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "status", "promise_at", *STAGES, "pick_claimed", "first_scan"])
        for o in m.orders:
            stamps = [o.stages[s].isoformat() if s in o.stages else "" for s in STAGES]
            picks = [t.isoformat() if t else "" for t in (o.claimed, o.first_scan)]
            w.writerow([o.order_id, o.status, o.promise_at.isoformat(), *stamps, *picks])
    plots(out, m)


def _local(at: datetime) -> str:
    """A time as the store's clock on the wall shows it."""
    return f"{at.astimezone(ZoneInfo(STORE.timezone)):%Y-%m-%d %H:%M:%S}"


def plots(out: Path, m: Measured) -> None:
    """Four pictures a store manager reads: minutes since opening on every time axis, whole
    orders on every count axis, the targets drawn in, and how many orders each point is of."""
    _door_times(out, m)
    _on_time(out, m)
    _queues(out, m)
    _routes(out, m)


def _since_open(m: Measured, at: datetime) -> float:
    return (at - m.started).total_seconds() / 60


def _door_times(out: Path, m: Measured) -> None:
    door = [x for o in m.orders if (x := o.minutes("delivered")) is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    top = max([PROMISE_MIN + 5, *door])
    ax.hist(door, bins=range(0, math.ceil(top) + 1), color="#4c72b0")
    ax.axvline(PROMISE_MIN, color="red", linestyle="--", label="30 minutes")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        xlabel="paid to door (min)",
        ylabel="orders",
        title=f"Paid to door, {len(door)} delivered orders",
    )
    ax.legend()
    _save(fig, out / "delivery_times.png")


def _on_time(out: Path, m: Measured) -> None:
    """Each 15 minutes of the evening: the share of the orders paid in it that reached the door
    within 30 minutes, and by their promise; n under each point, so two late orders at closing
    read as two, not as a collapse."""
    window = 15
    paid = [o for o in m.orders if "paid" in o.stages]
    groups: dict[int, list] = {}
    for o in paid:
        groups.setdefault(int(_since_open(m, o.stages["paid"]) // window), []).append(o)
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [(k + 0.5) * window for k in sorted(groups)]
    for label, kept in (
        ("at the door within 30 min", OrderRow.within_30),
        ("delivered by the promise", OrderRow.kept_promise),
    ):
        ys = [100 * sum(1 for o in groups[k] if kept(o)) / len(groups[k]) for k in sorted(groups)]
        ax.plot(xs, ys, marker="o", label=label)
    for x, k in zip(xs, sorted(groups), strict=True):
        ax.annotate(f"n={len(groups[k])}", (x, 2), ha="center", fontsize=8, color="#555")
    ax.axhline(99, color="red", linestyle="--", linewidth=0.8, label="99 % target")
    ax.set(
        xlim=(0, max([window, *(x + window / 2 for x in xs)])),
        ylim=(0, 118),
        xlabel="paid, minutes since opening (by 15 minutes)",
        ylabel="% of the orders paid then",
        title="On time, by when the order was paid",
    )
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    _save(fig, out / "on_time.png")


def _queues(out: Path, m: Measured) -> None:
    """Picking and riding apart: a pick task is one zone of an order, a delivery one order."""
    fig, (pick, ride) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    at = [_since_open(m, s["at"]) for s in m.samples]
    for ax, series, unit in (
        (pick, ("pick tasks queued", "pick tasks in progress"), "pick tasks (a zone of an order)"),
        (ride, ("ready for a rider", "with a rider"), "deliveries (orders)"),
    ):
        for name in series:
            ax.plot(at, [s[name] for s in m.samples], label=name)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set(ylabel=unit)
        ax.legend(fontsize=8)
    pick.set(title="Queues as the manager's views show them, each store minute")
    ride.set(xlabel="minutes since opening")
    _save(fig, out / "queues.png")


def to_metres(lat: float, lng: float, at: tuple[float, float]) -> tuple[float, float]:
    """East and north of the store in metres (equirectangular: within 3 km, off by under 0.1 %)."""
    return (
        (lng - at[1]) * 111_320 * math.cos(math.radians(at[0])),
        (lat - at[0]) * 110_574,
    )


def _routes(out: Path, m: Measured) -> None:
    fig, ax = plt.subplots(figsize=(6, 6))
    for rider, pings in sorted(m.pings.items()):
        xy = [to_metres(lat, lng, m.store_at) for _, lat, lng in pings]
        ax.plot([x for x, _ in xy], [y for _, y in xy], linewidth=0.8, label=rider)
    ax.add_patch(Circle((0, 0), STORE.radius_m, fill=False, linestyle="--", color="#888"))
    ax.plot(0, 0, "k*", markersize=14)
    edge = STORE.radius_m * 1.1
    ax.plot([-edge * 0.9, -edge * 0.9 + 1000], [-edge * 0.92] * 2, color="k", linewidth=2)
    ax.annotate("1 km", (-edge * 0.9 + 500, -edge * 0.88), ha="center", fontsize=8)
    ax.set(
        xlim=(-edge, edge),
        ylim=(-edge, edge),
        xlabel="metres east of the store",
        ylabel="metres north of the store",
        title=f"Riders' routes (pings) and the {STORE.radius_m / 1000:g} km zone",
    )
    ax.set_aspect("equal")
    if len(m.pings) <= 10:
        ax.legend(fontsize=7)
    _save(fig, out / "routes.png")


def city_map(out: Path, stores: dict[str, tuple[Measured, int]]) -> None:
    """The city's riders on one map, a colour per store, each store's zone (its radius) drawn:
    where the zones overlap, whose riders went where. Metres from the first store."""
    fig, ax = plt.subplots(figsize=(7, 7))
    origin = next(iter(stores.values()))[0].store_at
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    reach = 0.0
    for (store_id, (m, radius_m)), colour in zip(stores.items(), colours, strict=False):
        for pings in m.pings.values():
            xy = [to_metres(lat, lng, origin) for _, lat, lng in pings]
            ax.plot([x for x, _ in xy], [y for _, y in xy], linewidth=0.5, color=colour)
        cx, cy = to_metres(*m.store_at, origin)
        ax.add_patch(Circle((cx, cy), radius_m, fill=False, linestyle="--", color=colour))
        ax.plot(cx, cy, "*", color=colour, markeredgecolor="k", markersize=14, label=store_id)
        reach = max(reach, abs(cx) + radius_m, abs(cy) + radius_m)
    edge = reach * 1.05
    ax.plot([-edge * 0.9, -edge * 0.9 + 1000], [-edge * 0.92] * 2, color="k", linewidth=2)
    ax.annotate("1 km", (-edge * 0.9 + 500, -edge * 0.88), ha="center", fontsize=8)
    ax.set(
        xlim=(-edge, edge),
        ylim=(-edge, edge),
        xlabel=f"metres east of {next(iter(stores))}",
        ylabel=f"metres north of {next(iter(stores))}",
        title="The city's riders (pings), a colour per store, and each store's zone",
    )
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper left")
    _save(fig, out / "city_map.png")


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
