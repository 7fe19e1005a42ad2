"""The report folder: summary.md, orders.csv and the plots."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from infra.seed import STORE
from infra.simulate import plots
from infra.simulate.fast.search import Target
from infra.simulate.measure import STAGES, Measured
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


def write(
    out: Path,
    name: str,
    sc: Scenario,
    m: Measured,
    figures: dict,
    wall_s: float,
    target: Target | None = None,
) -> None:
    """The report folder; the plots draw `target` (the default one unless a search set its own)."""
    out.mkdir(parents=True, exist_ok=True)
    head = (
        f"# omo simulate: {name}\n\n"
        f"{sc.orders_per_hour:g} orders/h for {sc.hours * 60:g} min of store time, "
        f"{sc.pickers} pickers, {sc.riders} riders, dispatch `{sc.policy}`, seed {sc.seed}, "
        f"clock x{sc.clock_speed:g} ({wall_s:.0f} s wall).\n"
        f"Store time {_local(m.started)} to {_local(m.ended)} ({STORE.timezone}); the plots "
        "count minutes since opening. Times are the services' own stage times; paid to door "
        "runs from payment to the delivered scan. At the door means delivered, or the rider "
        "reporting a failed hand-over there; an order not finished counts as late.\n\n"
    )
    (out / "summary.md").write_text(head + table({name: figures}) + "\n", encoding="utf-8")
    with (out / "orders.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "status", "promise_at", *STAGES, "pick_claimed", "first_scan"])
        for o in m.orders:
            stamps = [_iso(o.stages.get(s)) for s in STAGES]
            picks = [_iso(t) for t in (o.claimed, o.first_scan)]
            w.writerow([o.order_id, o.status, _iso(o.promise_at), *stamps, *picks])
    plots.draw(out, m, target or Target())


def store_time(at: datetime) -> datetime:
    """The same instant as the store's clock on the wall shows it."""
    return at.astimezone(ZoneInfo(STORE.timezone))


def _local(at: datetime) -> str:
    return f"{store_time(at):%Y-%m-%d %H:%M:%S}"


def _iso(at: datetime | None) -> str:
    """With the store's offset: a spreadsheet shows the store's clock, the instant stays exact."""
    return store_time(at).isoformat() if at else ""
