"""What the dispatcher tells an operator's Prometheus about each store's plans."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

from litestar.testing import TestClient
from prometheus_client import generate_latest

from services.delivery.dispatch.metrics import DispatchMetrics, metrics_app
from services.delivery.dispatch.store import Run
from services.delivery.settings import DeliverySettings
from shared.logs import configure_logging
from shared.settings import load


def run(**over: object) -> Run:
    fields: dict = dict(
        at=datetime(2026, 12, 6, 9, tzinfo=UTC),
        solver="ortools:PARALLEL_CHEAPEST_INSERTION+TABU_SEARCH",
        solve_s=0.8,
        ready_orders=5,
        free_riders=2,
        committed=2,
        held=1,
        late_orders=2,
        lateness_s=240.0,
        unassigned=0,
        owner="host:1:abc",
    )
    return Run(**(fields | over))


def test_each_plan_is_counted_per_store_and_the_last_plan_is_what_the_gauges_say() -> None:
    metrics = DispatchMetrics()
    metrics.observe("kobe", run())
    metrics.observe("kobe", run(committed=1, late_orders=0, lateness_s=0.0, solve_s=1.2))
    metrics.observe("osaka", run(solver="greedy", late_orders=3))
    metrics.failed("kobe", "solver-died")
    text = generate_latest(metrics.registry).decode()
    assert 'omo_dispatch_solve_seconds_count{solver="ortools",store="kobe"} 2.0' in text
    assert 'omo_dispatch_solve_seconds_sum{solver="ortools",store="kobe"} 2.0' in text
    assert 'omo_dispatch_routes_committed_total{store="kobe"} 3.0' in text
    assert 'omo_dispatch_late_orders{store="kobe"} 0.0' in text  # the last plan's
    assert 'omo_dispatch_late_orders{store="osaka"} 3.0' in text
    assert 'omo_dispatch_held_orders{store="kobe"} 1.0' in text
    assert 'omo_dispatch_failures_total{reason="solver-died",store="kobe"} 1.0' in text
    assert "_created" not in text


def test_serving_the_metrics_keeps_the_dispatchers_json_log_lines() -> None:
    """`omo dispatch` configures its logging, then builds the metrics app: Litestar's default
    logging config replaced the JSON lines with its own text ones."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    out = io.StringIO()
    try:
        configure_logging("dispatcher", fmt="json", stream=out)
        metrics_app(DispatchMetrics(), load(DeliverySettings))
        logging.getLogger("omo.dispatch").info("dispatching kobe")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    [line] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (line["service"], line["message"]) == ("dispatcher", "dispatching kobe")


def test_every_answer_of_the_dispatcher_names_its_request() -> None:
    with TestClient(metrics_app(DispatchMetrics(), load(DeliverySettings))) as c:
        kept = c.get("/healthz", headers={"X-Request-Id": "scrape-7"})
        refused = c.get("/metrics")
    assert (kept.status_code, kept.headers["request-id"]) == (200, "scrape-7")
    assert refused.status_code == 401 and refused.headers["request-id"]
