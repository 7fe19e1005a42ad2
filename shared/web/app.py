"""Building a service's Litestar app: the parts every service composes the same way.

Each service's `create_app(settings)` is its composition root and calls `build_app` with its own
routes and consumers. The lifespan owns the pool, refuses to serve on a schema that is behind,
runs the service's event consumers, and purges expired idempotency keys and throttle counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

import asyncpg
import msgspec
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.spec import PathItem
from litestar.types import ControllerRouterHandler
from prometheus_client.registry import Collector

from shared import sweeps
from shared.bus import BusRunner, Consumer
from shared.bus.retention import TRIMS as BUS_TRIMS
from shared.clock import Clock
from shared.db import create_pool, provide_pool, provide_transaction
from shared.limits import MAX_BODY_BYTES
from shared.migrations import KERNEL, Schema, pending
from shared.retention import Trim, keep_trimming
from shared.settings import ServiceSettings
from shared.sweeps import Job, job_name
from shared.throttle import PURGE_EXPIRED as PURGE_EXPIRED_THROTTLES
from shared.web.access import ErasedCheck, provide_principal
from shared.web.dependencies import resolve_in_turn
from shared.web.edge import check_request
from shared.web.idempotency_store import PURGE_EXPIRED
from shared.web.metrics import Metrics
from shared.web.openapi import document_access, openapi_config
from shared.web.probes import PROBES
from shared.web.problems import EXCEPTION_HANDLERS
from shared.web.request_ids import with_request_ids
from shared.web.streams import provide_last_event

log = logging.getLogger("omo")
PURGE_EVERY_S = 600
SHUTDOWN_GRACE_S = 10


class SchemaBehind(Exception):
    """The database lacks migrations this code needs; the message says which and what to run."""


async def ensure_current(conn: asyncpg.Connection, schema: Schema) -> None:
    """Refuse to serve on a database that lacks the kernel's or the service's migrations."""
    late = [f"{s.component}/{m.name}" for s in (KERNEL, schema) for m in await pending(conn, s)]
    if late:
        raise SchemaBehind(
            f"the {schema.component} schema is behind ({', '.join(late)} not applied);"
            " run `omo migrate`"
        )


def service_schema(settings: ServiceSettings) -> Schema:
    return Schema(settings.service, settings.schema_folder())


async def _purge_expired(pool: asyncpg.Pool) -> None:
    """Idempotency keys past their 24 hours, and throttle counts that say nothing any more."""
    await pool.execute(PURGE_EXPIRED)
    await pool.execute(PURGE_EXPIRED_THROTTLES)


def given(value: object) -> Provide:
    """A dependency that is one object for the app's life (a client, a setting)."""
    return Provide(lambda: value, sync_to_thread=False, use_cache=True)


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    route_handlers: Sequence[ControllerRouterHandler],
    consumers: Sequence[Consumer] = (),
    clock: Clock | None = None,
    jobs: Sequence[tuple[float, Job]] = (),
    trims: Sequence[Trim] = (),
    dependencies: Mapping[str, object] | None = None,
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    business: Sequence[Collector] = (),
    erased: ErasedCheck | None = None,
    webhooks: dict[str, PathItem] | None = None,
) -> Litestar:
    """`jobs` run every so many clock seconds while the app lives; `trims` (the service's own
    tables, beside the bus's that every service trims) run every `trim_every_s`;
    `dependencies` (its clients and gateways, by name; a `Provide` as it is) reach the handlers
    that name them; `on_shutdown` closes what needs closing; `business`: the service's own
    counters, served on `/metrics`; `erased`: whether a member deleted their account, so their
    tokens are refused (`access.allow`); `webhooks`: the document's `webhooks:` section, what
    the service POSTs to endpoints."""
    clock = clock or Clock(settings.clock_speed, settings.clock_start)
    resolve_in_turn()
    metrics = Metrics(business)
    schema = service_schema(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_pool(
            settings.database_url,
            max_size=settings.db_pool_size,
            acquire_timeout_s=settings.db_acquire_timeout_s,
            lock_timeout_s=settings.db_lock_timeout_s,
            statement_timeout_s=settings.db_statement_timeout_s,
        )
        try:
            async with pool.acquire() as conn:
                await ensure_current(conn, schema)
            app.state.pool = pool
            bus = BusRunner(
                pool,
                settings.database_url,
                consumers,
                poll_seconds=settings.bus_poll_seconds,
                batch_size=settings.bus_batch_size,
                max_attempts=settings.bus_max_attempts,
            )
            await bus.start()
            tasks = [
                asyncio.create_task(
                    sweeps.every(PURGE_EVERY_S, clock, "kernel.purge_expired", _purge_expired, pool)
                ),
                asyncio.create_task(keep_trimming(pool, [*BUS_TRIMS, *trims], settings, clock)),
            ]
            tasks += [
                asyncio.create_task(
                    sweeps.every(s, clock, f"{settings.service}.{job_name(job)}", job, pool)
                )
                for s, job in jobs
            ]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await bus.stop()
                for close in on_shutdown:
                    await close()
        finally:
            try:  # a connection still held by a stuck request must not hang the shutdown
                await asyncio.wait_for(pool.close(), SHUTDOWN_GRACE_S)
            except TimeoutError:
                log.warning("connections still busy after %s s; closing them", SHUTDOWN_GRACE_S)
                pool.terminate()

    app = Litestar(
        route_handlers=[*PROBES, *route_handlers],
        lifespan=[lifespan],
        dependencies={
            "conn": Provide(provide_transaction),
            "pool": Provide(provide_pool),
            "principal": Provide(provide_principal),
            "last_event": Provide(provide_last_event, sync_to_thread=False),
            "clock": given(clock),
            "secret": given(settings.jwt_secret),
            "settings": given(settings),
            **{
                name: value if isinstance(value, Provide) else given(value)
                for name, value in (dependencies or {}).items()
            },
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=check_request,
        # `omo serve` configures logging for the process; Litestar's own config would start a
        # queue-listener thread per app that nothing stops.
        logging_config=None,
        middleware=[metrics.middleware],
        request_max_body_size=MAX_BODY_BYTES,
        state=State(
            {
                "settings": settings,
                "service": settings.service,
                "schema": schema,
                "clock": clock,
                "consumers": list(consumers),
                "metrics": metrics,
                "erased": erased,
            }
        ),
        openapi_config=openapi_config(title, description, webhooks),
    )
    # Outside Litestar's own exception handling, so every answer, a 404 included, has its id.
    app.asgi_handler = with_request_ids(app.asgi_handler)
    document_access(app)
    refuse_ignored_constraints(app)
    return app


class IgnoredConstraint(TypeError):
    """A handler declares a constraint Litestar would ignore."""


def refuse_ignored_constraints(app: Litestar) -> None:
    """Litestar applies `msgspec.Meta` constraints to a body's fields but silently drops them
    on a query, path or header parameter: neither checked nor documented, so `?limit=-1`
    reached PostgreSQL and came back as a 500. Such a parameter must say its bounds with
    Litestar's own `QueryParameter`/`PathParameter`/`HeaderParameter`; an app that does
    otherwise does not start."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for name, field in handler.parsed_fn_signature.parameters.items():
                if name != "data" and any(isinstance(m, msgspec.Meta) for m in field.metadata):
                    raise IgnoredConstraint(
                        f"{handler.handler_name}({name}): Litestar ignores msgspec.Meta on a "
                        "parameter; state the bounds with QueryParameter/PathParameter"
                    )
