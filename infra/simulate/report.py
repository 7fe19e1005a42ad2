"""The report folder: summary.md, orders.csv and the plots."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from infra.seed import STORE
from infra.simulate.measure import PROMISE_MIN, STAGES, Measured
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
        f"Store time {m.started:%H:%M:%S} to {m.ended:%H:%M:%S} UTC. Times are the services' own "
        "stage times. At the door means delivered, or the rider reporting a failed hand-over "
        "there; an order not finished counts as late.\n\n"
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


def plots(out: Path, m: Measured) -> None:
    door = [x for o in m.orders if (x := o.minutes("delivered")) is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(door, bins=20, color="#4c72b0")
    ax.axvline(PROMISE_MIN, color="red", linestyle="--", label="30 minutes")
    ax.set(xlabel="paid to delivered (min)", ylabel="orders", title="Click to door")
    ax.legend()
    _save(fig, out / "delivery_times.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    done = sorted(
        (o.stages["delivered"], o.minutes("delivered") or 0)
        for o in m.orders
        if "delivered" in o.stages
    )
    if done:
        window = timedelta(minutes=15)
        xs: list[Any] = []  # datetimes: matplotlib plots them, its stubs do not say so
        ys: list[float] = []
        for at, _ in done:
            recent = [x for t, x in done if at - window < t <= at]
            xs.append(at)
            ys.append(100 * sum(1 for x in recent if x <= PROMISE_MIN) / len(recent))
        ax.plot(xs, ys, marker=".")
    ax.set(ylim=(0, 105), ylabel="% within 30 min (last 15 min)", title="On time over time")
    fig.autofmt_xdate()
    _save(fig, out / "on_time.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    if m.samples:
        times = [s["at"] for s in m.samples]
        for series in (
            "pick tasks queued",
            "pick tasks in progress",
            "ready for a rider",
            "with a rider",
        ):
            ax.plot(times, [s[series] for s in m.samples], label=series)
        ax.legend()
    ax.set(ylabel="pick tasks (one per zone) / deliveries", title="Queues (the services' views)")
    fig.autofmt_xdate()
    _save(fig, out / "queues.png")

    fig, ax = plt.subplots(figsize=(6, 6))
    for rider, pings in sorted(m.pings.items()):
        ax.plot([p[2] for p in pings], [p[1] for p in pings], linewidth=0.8, label=rider)
    ax.plot(STORE.lng, STORE.lat, "k*", markersize=14)
    ax.set(xlabel="longitude", ylabel="latitude", title="Riders' routes (pings)")
    ax.set_aspect(1 / 0.82)  # a degree of longitude is ~0.82 of one of latitude at Kobe
    if len(m.pings) <= 10:
        ax.legend(fontsize=7)
    _save(fig, out / "routes.png")


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
