"""Liveness, readiness and metrics: the three endpoints an operator's tools poll."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.auth import Role
from shared.bus import lag
from shared.migrations import KERNEL, pending
from shared.web.access import PUBLIC, allow
from shared.web.problems import problem

READY_TIMEOUT_S = 2.0


@get("/healthz", opt=PUBLIC, tags=["ops"], operation_id="healthz", include_in_schema=True)
async def healthz() -> dict[str, str]:
    """The process is up (it says nothing of the database)."""
    return {"status": "ok"}


async def _behind(request: Request) -> list[str]:
    async with request.app.state.pool.acquire() as conn:
        late = []
        for schema in (KERNEL, request.app.state.schema):
            late += [f"{schema.component}/{m.name}" for m in await pending(conn, schema)]
        return late


@get("/readyz", opt=PUBLIC, tags=["ops"], operation_id="readyz")
async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers and this service's migrations are all applied.
    Else a 503 `not-ready` problem that says which: `database` or `migrations_pending`."""
    try:
        behind = await asyncio.wait_for(_behind(request), READY_TIMEOUT_S)
    except Exception as exc:
        return _not_ready(
            request, "the database does not answer", database=f"unreachable: {type(exc).__name__}"
        )
    if behind:
        return _not_ready(request, "migrations are pending", migrations_pending=behind)
    return Response({"status": "ready"}, status_code=200)


def _not_ready(request: Request, detail: str, **why: object) -> Response:
    return problem(request, 503, "not-ready", "Not ready to serve", detail, extra=why)


@get(
    "/metrics",
    guards=[allow(Role.OPERATOR)],
    tags=["ops"],
    operation_id="metrics",
    media_type=CONTENT_TYPE_LATEST,
)
async def metrics(request: Request) -> bytes:
    """Prometheus text: request counts and latencies, bus lag per consumer, process and GC
    (operators only: business volumes, and a database query per scrape; scrape with a token
    from `omo token operator`)."""
    state = request.app.state
    names = [c.name for c in state.consumers]
    if names:
        async with state.pool.acquire() as conn:
            for name, (waiting, oldest, dead) in (await lag(conn, names)).items():
                state.metrics.bus_pending.labels(name).set(waiting)
                state.metrics.bus_oldest.labels(name).set(oldest)
                state.metrics.bus_dead.labels(name).set(dead)
    return generate_latest(state.metrics.registry)


PROBES = [healthz, readyz, metrics]
