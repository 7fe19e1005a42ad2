"""The system a simulation runs against: started fresh (its own embedded database, the three
services, a dispatcher and localstripe with a fast clock), or the one already running."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all, seed
from infra.registry import SERVICES
from infra.seed import RIDERS as DEMO_RIDERS
from infra.seed import STORE, open_with_demo_catalog
from infra.simulate.city import City
from infra.simulate.scenario import Scenario
from infra.up import (
    child_commands,
    neighbours,
    sigterm_as_interrupt,
    start_children,
    stop_children,
    wait_ready,
)
from services.delivery import store as delivery_db
from services.delivery.domain import Rider
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.settings import Settings, data_dir, load


@dataclass(frozen=True)
class Stack:
    dsn: str
    urls: dict[str, str]  # orders, fulfillment, delivery
    clock: Clock
    secret: str
    # A stack of our own: its processes by name, their environment, and its database (a fault
    # test kills and restarts them); empty for services already running.
    children: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    database: EmbeddedPostgres | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rider_ids(count: int) -> list[str]:
    return [f"rider-{n}" for n in range(1, count + 1)]


def picker_ids(count: int) -> list[str]:
    return [f"picker-{n}" for n in range(1, count + 1)]


def staff_prefix(store_id: str) -> str:
    """What a city's other stores put before their staff's ids, as the fast mode names them
    (the demo store's are rider-1, picker-1...), so both modes draw from the same streams."""
    return "" if store_id == STORE.store_id else f"{store_id}:"


async def add_riders(dsn: str, count: int, store_id: str = STORE.store_id) -> None:
    """The store's riders, beyond the demo's five at the demo store (idempotent: the store
    function upserts)."""
    conn = await connect(dsn)
    try:
        riders = [
            Rider(r, f"Sim rider {r}")
            for r in (staff_prefix(store_id) + x for x in rider_ids(count))
        ]
        if store_id == STORE.store_id:
            riders = riders[len(DEMO_RIDERS) :]
        if riders:
            await delivery_db.add_riders(conn, store_id=store_id, riders=riders)
    finally:
        await conn.close()


async def open_city(dsn: str, clock: Clock, city: City) -> None:
    """Every store of the city open with the demo's catalog (the demo store is seeded
    already), and each store's riders registered."""
    conn = await connect(dsn)
    try:
        await init_connection(conn)
        for s in city.stores:
            await open_with_demo_catalog(conn, clock, s.site.store())
    finally:
        await conn.close()
    for s in city.stores:
        await add_riders(dsn, s.riders, s.site.store_id)


@contextmanager
def running(scenario: Scenario) -> Iterator[Stack]:
    """The services already up (`--use-running`): read where they are from the environment."""
    settings = load(Settings)
    urls = {}
    for name, entry in SERVICES.items():
        s = load(entry.settings)
        urls[name] = f"http://{s.host}:{s.port}"
    asyncio.run(add_riders(settings.database_url, scenario.riders))
    yield Stack(
        dsn=settings.database_url,
        urls=urls,
        clock=Clock(settings.clock_speed, settings.clock_start),
        secret=settings.jwt_secret,
    )


@contextmanager
def started(scenario: Scenario, name: str, city: City | None = None) -> Iterator[Stack]:
    """A fresh system of our own under .omo/, on free ports; everything stops on the way out
    (an exception, Ctrl-C or SIGTERM) and the data dir is removed. With a `city`, each of its
    stores is open with its own riders, and the one dispatcher serves them all."""
    folder = data_dir() / f"sim-{name}-{os.getpid()}"
    database = EmbeddedPostgres(folder / "pg")
    start = datetime.now(UTC)
    ports = {n: free_port() for n in (*SERVICES, "stripe")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMO_")}
    env.pop("DATABASE_URL", None)
    env |= {f"OMO_{n.upper()}_PORT": str(p) for n, p in ports.items()}
    env["OMO_DELIVERY_DISPATCHER_PORT"] = str(free_port())  # beside an `omo up` on 8004
    env |= {
        "OMO_CLOCK_SPEED": str(scenario.clock_speed),
        "OMO_CLOCK_START": start.isoformat(),
        "OMO_DELIVERY_DISPATCH_POLICY": scenario.policy,
        "OMO_DELIVERY_SOLVE_TIME_LIMIT_S": str(scenario.dispatch_time_limit_s),
        "OMO_LOG_LEVEL": "warning",
    }
    env |= neighbours({n: f"http://127.0.0.1:{ports[n]}" for n in SERVICES}, ports["stripe"])
    for var in ("OMO_JWT_SECRET", "OMO_ENV"):
        if var in os.environ:
            env[var] = os.environ[var]
    settings = load(Settings, env)
    clock = Clock(scenario.clock_speed, start)
    children: dict[str, subprocess.Popen] = {}
    with sigterm_as_interrupt():
        try:
            database.destroy()
            dsn = database.start()
            env["DATABASE_URL"] = dsn
            asyncio.run(migrate_all(dsn))
            asyncio.run(seed(dsn, clock, settings.jwt_secret))
            if city is None:
                asyncio.run(add_riders(dsn, scenario.riders))
            else:
                asyncio.run(open_city(dsn, clock, city))
            start_children(children, child_commands(ports["stripe"]), env)
            urls = {n: f"http://127.0.0.1:{ports[n]}" for n in SERVICES}
            wait_ready({n: f"{u}/readyz" for n, u in urls.items()}, children)
            yield Stack(
                dsn=dsn,
                urls=urls,
                clock=clock,
                secret=settings.jwt_secret,
                children=children,
                env=env,
                database=database,
            )
        finally:
            stop_children(children)
            database.stop()
            if not os.environ.get("OMO_SIMULATE_KEEP"):  # keep the database to look into
                shutil.rmtree(folder, ignore_errors=True)


def stack_for(scenario: Scenario, name: str, *, use_running: bool):
    return running(scenario) if use_running else started(scenario, name)


def report_dir(out: str | None, name: str) -> Path:
    return Path(out or data_dir() / "simulations" / name)
