"""The dispatcher's own metrics, and the small HTTP face that serves them.

The dispatcher is a process of its own (`omo dispatch`), not a service, so an operator's
Prometheus scrapes it apart: `GET /metrics` (an `operator` token, as on the services) and
`GET /healthz` on `OMO_DELIVERY_DISPATCHER_PORT` (0: none). What it says is what an on-call
engineer asks first of a store whose doors are late: how long solves take, how many orders a
plan holds back or cannot place, how many it plans late, and which stores this process holds.
Per store, so one starved store stands out from a chain of quiet ones.

Serving is secondary to dispatching: a port already taken is one warning line, and the
dispatcher goes on without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from litestar import Litestar, Request, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from services.delivery.dispatch.store import Run
from shared.auth import Role
from shared.settings import Settings
from shared.web.access import PUBLIC, allow
from shared.web.problems import EXCEPTION_HANDLERS
from shared.web.request_ids import with_request_ids

log = logging.getLogger("omo.dispatch")
SOLVE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)


class DispatchMetrics:
    """Counters and gauges one dispatcher process keeps, in a registry of its own."""

    def __init__(self) -> None:
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        r = self.registry
        self.solve = Histogram(
            "omo_dispatch_solve_seconds",
            "Time a plan of a store took to solve",
            ["store", "solver"],
            buckets=SOLVE_BUCKETS,
            registry=r,
        )
        self.committed = Counter(
            "omo_dispatch_routes_committed", "Routes handed to riders", ["store"], registry=r
        )
        self.failures = Counter(
            "omo_dispatch_failures",
            "Plans that failed (tried again at the next turn), by why",
            ["store", "reason"],
            registry=r,
        )
        plan = {
            "ready": "Orders packed and waiting for a rider at the last plan",
            "held": "Orders the last plan held back to ride with one being packed",
            "late": "Orders the last plan has past their promise",
            "unassigned": "Orders the last plan could place on no rider",
        }
        self.plan = {
            k: Gauge(f"omo_dispatch_{k}_orders", text, ["store"], registry=r)
            for k, text in plan.items()
        }
        self.lateness = Gauge(
            "omo_dispatch_planned_lateness_seconds",
            "Seconds past their promises summed over the last plan's late orders",
            ["store"],
            registry=r,
        )
        self.owned = Gauge("omo_dispatch_owned_stores", "Stores this dispatcher holds", registry=r)

    def observe(self, store_id: str, run: Run) -> None:
        """A plan was made and committed."""
        self.solve.labels(store_id, run.solver.partition(":")[0]).observe(run.solve_s)
        self.committed.labels(store_id).inc(run.committed)
        for name, value in (
            ("ready", run.ready_orders),
            ("held", run.held),
            ("late", run.late_orders),
            ("unassigned", run.unassigned),
        ):
            self.plan[name].labels(store_id).set(value)
        self.lateness.labels(store_id).set(run.lateness_s)

    def failed(self, store_id: str, reason: str) -> None:
        self.failures.labels(store_id, reason).inc()


def metrics_app(metrics: DispatchMetrics, settings: Settings) -> Litestar:
    """`/healthz` for anyone, `/metrics` for operators: the same access rules as the services'."""

    @get("/healthz", opt=PUBLIC, sync_to_thread=False)
    def healthz() -> dict[str, str]:
        """The dispatcher process is up."""
        return {"status": "ok"}

    @get("/metrics", guards=[allow(Role.OPERATOR)], media_type=CONTENT_TYPE_LATEST)
    async def scrape(request: Request) -> bytes:
        """Prometheus text: solve times, plan sizes and late orders per store, the process."""
        return generate_latest(metrics.registry)

    app = Litestar(
        [healthz, scrape],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]  # as in build_app
        openapi_config=None,
        # `omo dispatch` configured the process's logging; Litestar's default would replace the
        # JSON lines with its own text format (and start a queue-listener thread), as in build_app.
        logging_config=None,
    )
    app.state.settings = settings
    app.asgi_handler = with_request_ids(app.asgi_handler)  # a `Request-Id` on every answer
    return app


class _Server(uvicorn.Server):
    """uvicorn, minus its signal handlers: `omo dispatch` stops on SIGTERM by its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_metrics(
    metrics: DispatchMetrics, settings: Settings, *, host: str, port: int, stop: asyncio.Event
) -> None:
    """Serve until `stop`; a port that cannot be bound is logged once and left."""
    try:
        sock = socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        log.warning("dispatcher metrics not served: cannot listen on %s:%d (%s)", host, port, exc)
        return
    config = uvicorn.Config(
        metrics_app(metrics, settings), log_config=None, lifespan="off", access_log=False
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await stop.wait()
    finally:
        server.should_exit = True
        await task
        sock.close()
