"""`omo simulate --fast`: the smoke evening on the discrete-event clock, and the figures that
matter held to an honest tolerance: every paid order finished, promises kept."""

from __future__ import annotations

import csv

import pytest

from infra.simulate.fast.run import simulate_fast
from infra.simulate.scenario import PRESETS
from tests.e2e.processes import run_omo
from tests.e2e.test_simulate import figures

pytestmark = [pytest.mark.e2e, pytest.mark.simulate]
PAID = "orders placed (paid)"
KEPT = "delivered by the promise (% of delivered)"


def test_the_fast_smoke_run_finishes_every_paid_order_and_reports_it(tmp_path):
    out = tmp_path / "report"
    run = run_omo("simulate", "--preset", "smoke", "--fast", "--out", str(out), env={}, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]

    numbers = figures((out / "fast" / "summary.md").read_text(encoding="utf-8"))
    placed = int(numbers[PAID])
    assert placed >= 5
    assert int(numbers["not finished when the run ended"]) == 0
    assert int(numbers["delivered"]) + int(numbers["delivery failed"]) == placed
    with (out / "fast" / "orders.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == placed
    for row in rows:
        assert row["status"] in ("delivered", "delivery_failed")
        assert row["paid"] <= row["packed"] <= row["out_for_delivery"]
    for plot in ("delivery_times", "on_time", "queues", "routes"):
        assert (out / "fast" / f"{plot}.png").stat().st_size > 1000


def test_compare_plays_each_policy_on_the_same_evening(tmp_path):
    """`--fast --compare`: the same orders for each policy, a report each; greedy sends one
    order a trip, which is what the comparison is against."""
    out = tmp_path / "report"
    args = ("simulate", "--preset", "smoke", "--fast", "--compare", "ortools,greedy")
    run = run_omo(*args, "--out", str(out), env={}, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]

    ortools, greedy = (
        figures((out / p / "summary.md").read_text("utf-8")) for p in ("ortools", "greedy")
    )
    assert "dispatch `greedy`" in (out / "greedy" / "summary.md").read_text("utf-8")
    assert ortools[PAID] == greedy[PAID]
    assert float(greedy["orders per trip"]) == 1
    assert "| | ortools | greedy |" in (out / "compare.md").read_text("utf-8")


def test_the_smoke_store_keeps_its_promises_over_a_dozen_evenings():
    """The smoke store is starved (3 riders for 45 orders an hour, a floor packing 33), so
    orders wait, but a promise made is kept: 99.5 % over seeds 1 to 12, which at about 110
    orders is every one (measured: 275 of 275 over seeds 1 to 30; README, known gaps)."""
    kept = delivered = 0
    for seed in range(1, 13):
        n = simulate_fast(PRESETS["smoke"].with_(seed=seed), None)
        assert n["not finished when the run ended"] == 0, seed
        done = int(str(n["delivered"]))
        kept += round(float(str(n[KEPT])) * done / 100)
        delivered += done
    assert delivered >= 80
    assert kept >= 0.995 * delivered, (kept, delivered)
