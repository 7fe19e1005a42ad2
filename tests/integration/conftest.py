"""Real neighbours for orders: localstripe, and the delivery service serving HTTP."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from infra.registry import SERVICES
from infra.seed import seed_demo
from shared.clock import Clock
from shared.db import connect, init_connection
from shared.settings import PROJECT_ROOT
from tests.e2e.processes import free_port
from tests.eventually import eventually, eventually_sync
from tests.integration import bus_helpers
from tests.integration.apps import client
from tests.integration.delivering import rider_on_duty


@pytest.fixture(scope="session")
def stripe_url() -> Iterator[str]:
    """localstripe on loopback, as `omo up` runs it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.localstripe_server", "--port", str(port)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        eventually_sync(
            lambda: httpx.get(f"{url}/v1/customers", auth=("sk_test_x", ""), timeout=1),
            "localstripe to answer",
            20,
            ok=lambda _answered: True,
            ignoring=(httpx.HTTPError,),
        )
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def serving(service: str, **settings: Any) -> Iterator[str]:
    """A service's app over real HTTP, in a thread with its own event loop (an in-process test
    client of another app may block the test's loop while it waits for an answer)."""
    entry = SERVICES[service]
    app = entry.create_app(entry.settings(**settings))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=service, daemon=True)
    thread.start()

    def started() -> bool:
        assert thread.is_alive(), f"{service} stopped while starting"
        return server.started

    eventually_sync(started, f"{service} to start", 20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def delivery_url(database: str) -> Iterator[str]:
    with serving("delivery", database_url=database, bus_poll_seconds=0.2) as url:
        yield url


@pytest.fixture
def floor_url(database: str, demo: str) -> Iterator[str]:
    """Fulfillment over HTTP, asking orders (also over HTTP) for substitutes: the floor as a
    handheld reaches it."""
    with (
        serving("orders", database_url=database) as orders_url,
        serving(
            "fulfillment", database_url=database, orders_url=orders_url, bus_poll_seconds=0.2
        ) as url,
    ):
        yield url


@pytest.fixture
async def demo(database: str) -> str:
    """The demo store seeded into the test database; its id."""
    conn = await connect(database)
    try:
        await init_connection(conn)
        await seed_demo(conn, Clock())
    finally:
        await conn.close()
    return "kobe-sannomiya"


@pytest.fixture
async def quoting(database, demo, delivery_url) -> str:
    """Delivery's URL once it promises the demo store's deliveries: it knows the store, and a
    rider is on shift."""
    async with httpx.AsyncClient() as http:  # delivery learns of the store from store.updated
        await eventually(
            lambda: http.get(
                f"{delivery_url}/v1/stores/{demo}/zone", params={"lat": 34.69, "lng": 135.19}
            ),
            "delivery to learn the store",
            ok=lambda zone: zone.status_code == 200,
        )
    await rider_on_duty(database)  # a delivery is promised only with a rider on shift
    return delivery_url


@pytest.fixture
async def orders(database, quoting, stripe_url):
    """The orders app wired to the real delivery service and localstripe."""
    async with client(
        "orders",
        database,
        delivery_url=quoting,
        stripe_api_base=stripe_url,
        quote_timeout_s=2.0,
    ) as c:
        yield c


@pytest.fixture
async def in_store(database, demo, stripe_url):
    """The orders app on the demo store with localstripe and no delivery service: the till and
    the shoppers' phones (scan-and-go), which need no promise."""
    async with client("orders", database, stripe_api_base=stripe_url) as c:
        yield c


@pytest.fixture
async def bus_pool(pool: asyncpg.Pool) -> asyncpg.Pool:
    """The pool, with only the test's own consumers subscribed."""
    await pool.execute(bus_helpers.EFFECTS)
    await pool.execute("DELETE FROM kernel.subscriptions")
    return pool
