"""The pictures a store manager reads: minutes since opening on every time axis, whole orders on
every count, the targets drawn in, and how many orders each point is of. Each picture is a
function returning its Figure, so the tests read its axes rather than its pixels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import MaxNLocator

from infra.seed import STORE
from infra.simulate.fast.search import Target, Tried
from infra.simulate.measure import PROMISE_MIN, Measured, OrderRow
from services.delivery.routing.matrix import E2, A

SPAN = "paid to door"  # the summary's name for the span the histogram counts


def draw(out: Path, m: Measured, target: Target) -> None:
    """The run's four pictures, as PNGs in `out`."""
    save(door_times(m), out / "delivery_times.png")
    save(on_time(m, target), out / "on_time.png")
    save(queues(m), out / "queues.png")
    save(routes(m), out / "routes.png")


def save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def since_open(m: Measured, at: datetime) -> float:
    return (at - m.started).total_seconds() / 60


def door_times(m: Measured) -> Figure:
    door = [x for o in m.orders if (x := o.minutes("delivered")) is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    top = max([PROMISE_MIN + 5, *door])
    ax.hist(door, bins=range(0, math.ceil(top) + 1), color="#4c72b0")
    ax.axvline(PROMISE_MIN, color="red", linestyle="--", label=f"{PROMISE_MIN} minutes")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        xlabel=f"{SPAN} (min)",
        ylabel="orders",
        title=f"{SPAN.capitalize()}, {len(door)} delivered orders",
    )
    ax.legend()
    return fig


@dataclass(frozen=True)
class Point:
    """The orders paid in one window of the evening, and how they fared."""

    minute: float  # the window's middle, minutes since opening
    n: int
    within_30: float  # % at the door within 30 minutes
    kept: float  # % delivered by their promise


def window_min(m: Measured) -> float:
    """A quarter of an hour, a manager's unit; five minutes when orders came for under an hour,
    so a short evening still shows its course."""
    paid = [since_open(m, o.stages["paid"]) for o in m.orders if "paid" in o.stages]
    return 15 if max(paid, default=0) >= 60 else 5


def on_time_points(m: Measured, window: float) -> list[Point]:
    groups: dict[int, list[OrderRow]] = {}
    for o in m.orders:
        if "paid" in o.stages:
            groups.setdefault(int(since_open(m, o.stages["paid"]) // window), []).append(o)
    return [
        Point(
            (k + 0.5) * window,
            len(g),
            100 * sum(o.within_30() for o in g) / len(g),
            100 * sum(o.kept_promise() for o in g) / len(g),
        )
        for k, g in sorted(groups.items())
    ]


def on_time(m: Measured, target: Target) -> Figure:
    """Each window of the evening: the share of the orders paid in it that reached the door
    within 30 minutes, and by their promise, against the targets; n above each point, so two
    late orders at closing read as two, not as a collapse."""
    window = window_min(m)
    points = on_time_points(m, window)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = [p.minute for p in points]
    for label, ys, goal, colour, dash in (
        ("at the door within 30 min", [p.within_30 for p in points], target.within_30, "C0", "--"),
        ("delivered by the promise", [p.kept for p in points], target.kept, "C1", ":"),
    ):
        ax.plot(xs, ys, marker="o", color=colour, label=label)
        ax.axhline(goal, color=colour, linestyle=dash, linewidth=1, label=f"target {goal:g} %")
    for p in points:
        ax.annotate(f"n={p.n}", (p.minute, 106), ha="center", fontsize=8, color="#555")
    ax.set(
        xlim=(0, max([window, *(x + window / 2 for x in xs)])),
        ylim=(0, 112),
        xlabel=f"paid, minutes since opening (by {window:g} minutes)",
        ylabel="% of the orders paid then",
        title="On time, by when the order was paid (n = orders paid)",
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8)
    return fig


def queues(m: Measured) -> Figure:
    """Picking and riding apart: a pick task is one zone of an order, a delivery one order."""
    fig, (pick, ride) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    at = [since_open(m, s["at"]) for s in m.samples]
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
    return fig


def to_metres(lat: float, lng: float, at: tuple[float, float]) -> tuple[float, float]:
    """East and north of the store in metres on the WGS-84 ellipsoid the delivery service
    measures its zone on, flattened at the store's latitude (within 3 km, off by under 0.01 %),
    so a metre east is a metre north and the zone is the circle drawn."""
    phi = math.radians(at[0])
    w2 = 1 - E2 * math.sin(phi) ** 2
    return (
        math.radians(lng - at[1]) * A / math.sqrt(w2) * math.cos(phi),  # prime vertical x cos
        math.radians(lat - at[0]) * A * (1 - E2) / w2**1.5,  # the meridian's radius
    )


def routes(m: Measured) -> Figure:
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
    if 0 < len(m.pings) <= 10:
        ax.legend(fontsize=7)
    return fig


def city_map(stores: dict[str, tuple[Measured, int]]) -> Figure:
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
    return fig


def staffing_lines(tried: Sequence[Tried]) -> dict[int, list[Tried]]:
    """The staffings tried, one line per picker count, each in order of riders."""
    lines: dict[int, list[Tried]] = {}
    for t in sorted(tried, key=lambda t: (t.pickers, t.riders)):
        lines.setdefault(t.pickers, []).append(t)
    return lines


def staffing(tried: Sequence[Tried], target: Target, answer: tuple[int, int]) -> Figure:
    """`--find-staff`'s table as a picture: at the door within 30 minutes against riders, one
    line per picker count; a filled point meets the whole target (promises kept too), and the
    answer (pickers, riders) is marked."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for pickers, runs in sorted(staffing_lines(tried).items()):
        (line,) = ax.plot(
            [t.riders for t in runs],
            [t.within_30 for t in runs],
            label=f"{pickers} picker{'s' if pickers != 1 else ''}",
        )
        for t in runs:
            face = line.get_color() if t.met else "white"
            ax.plot(t.riders, t.within_30, "o", color=line.get_color(), mfc=face)
            if (t.pickers, t.riders) == answer:
                ax.annotate(
                    f"answer: {t.pickers} pickers, {t.riders} riders",
                    (t.riders, t.within_30),
                    xytext=(10, -28),
                    textcoords="offset points",
                    ha="left",
                    fontsize=8,
                    arrowprops={"arrowstyle": "->"},
                )
    ax.axhline(
        target.within_30,
        color="red",
        linestyle="--",
        linewidth=1,
        label=f"target {target.within_30:g} %",
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(
        xlabel="riders",
        ylabel="% of paid orders at the door within 30 min",
        title="Staffings tried (filled: meets the target, promises kept too)",
    )
    ax.legend(fontsize=8)
    return fig
