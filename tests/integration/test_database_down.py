"""While PostgreSQL is down, or drops a request's connection midway, a service says "try again"
(503, Retry-After), not "bug" (500), logs one line per request rather than a traceback, and
serves again once the database is back; its event consumers and the dispatcher ride out the
restart too, without a restart of their own.

A stopped database: the test's own embedded server, so that stopping it stops no other test's
database. A dropped connection: the suite's server, whose one backend is terminated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator

import asyncpg
import httpx
import pytest

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all
from infra.seed import seed_demo
from services.delivery.dispatch import dispatcher as dispatching
from services.delivery.dispatch.dispatcher import Dispatcher
from services.delivery.settings import DeliverySettings
from services.orders.checkout.store import Q as CHECKOUT
from shared.auth import Role
from shared.clock import Clock
from shared.db import connect, init_connection, with_database
from shared.settings import PROJECT_ROOT
from tests.conftest import FAST
from tests.eventually import eventually, eventually_sync
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.delivering import handle_delivery
from tests.integration.slow_close import slow_close

OFFER = str(CHECKOUT["offer"])
STORE = "kobe-sannomiya"
QUOTE = {"store_id": STORE, "lat": 34.6937, "lng": 135.1955}


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(PROJECT_ROOT / ".omo" / "test-pg-down", settings=FAST)
    server.destroy()
    try:
        asyncio.run(migrate_all(server.start()))
        yield server
    finally:
        server.destroy()


def is_up(status: int) -> bool:
    return status == 200


def is_down(status: int) -> bool:
    return status == 503


def said(caplog: pytest.LogCaptureFixture, logger: str, start: str) -> list[str]:
    """What `logger` has logged so far that begins with `start`."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == logger and r.getMessage().startswith(start)
    ]


async def _seed_demo(dsn: str) -> None:
    conn = await connect(dsn)
    try:
        await init_connection(conn)
        await seed_demo(conn, Clock())
    finally:
        await conn.close()


def test_a_stopped_database_answers_503_and_the_service_recovers(own_server, caplog):
    shopper = bearer(Role.SHOPPER, member="mem_test_1")
    dsn = with_database(own_server.dsn, "postgres")
    with serving("delivery", database_url=dsn, bus_poll_seconds=0.2) as url:
        http = httpx.Client(base_url=url, timeout=30)
        assert http.get("/readyz").status_code == 200
        own_server.stop()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="omo.http"):
            answers = [http.post("/v1/quotes", json=QUOTE, headers=shopper) for _ in range(3)]
            board = http.get(
                "/v1/stores/kobe-sannomiya/dispatch",
                headers=bearer(Role.MANAGER, store="kobe-sannomiya"),
            )
        for r in [*answers, board]:
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["type"] == "urn:omo:problem:database-unavailable"
            assert int(r.headers["Retry-After"]) > 0
        said = [rec for rec in caplog.records if rec.name == "omo.http"]
        assert len(said) == 4 and all(rec.levelno == logging.WARNING for rec in said)
        assert not any(rec.exc_info for rec in said), "a traceback was logged"

        own_server.start()
        eventually_sync(lambda: http.get("/readyz").status_code, "ready again", 30, ok=is_up)
        # The store is unknown to this empty database: a 404 is the database answering.
        assert http.post("/v1/quotes", json=QUOTE, headers=shopper).status_code == 404
        http.close()


def test_the_bus_listens_again_after_a_database_restart(own_server, caplog):
    """The poll is set to a minute: an event handled within seconds of the restart was woken by
    a LISTEN connection made anew, not found by a poll."""
    dsn = with_database(own_server.dsn, "postgres")
    with serving("delivery", database_url=dsn, bus_poll_seconds=60) as url:
        http = httpx.Client(base_url=url, timeout=30)
        assert http.get("/readyz").status_code == 200
        with caplog.at_level(logging.WARNING, logger="omo.bus"):
            own_server.stop()
            eventually_sync(lambda: http.get("/readyz").status_code, "not ready", 30, ok=is_down)
            eventually_sync(  # the listener meets the stopped database
                lambda: said(caplog, "omo.bus", "bus listener cannot connect"),
                "the bus listener to fail to connect",
                30,
            )
        own_server.start()
        eventually_sync(lambda: http.get("/readyz").status_code, "ready again", 30, ok=is_up)

        asyncio.run(_seed_demo(dsn))  # publishes store.updated; delivery learns the store
        zone = {"lat": 34.69, "lng": 135.19}
        eventually_sync(
            lambda: http.get(f"/v1/stores/{STORE}/zone", params=zone).status_code,
            "delivery to learn the store from a woken consumer",
            20,
            ok=is_up,
        )
        http.close()


async def test_the_dispatcher_rides_out_a_database_restart(own_server, monkeypatch, caplog):
    """It lets go of its store while the database is away, stays up, and once it is back
    claims the store again and plans when woken."""
    dsn = with_database(own_server.dsn, "postgres")
    await _seed_demo(dsn)
    await handle_delivery(dsn)
    monkeypatch.setattr(dispatching, "CLAIM_EVERY_S", 0.1)
    planned: list[str] = []

    async def counted(pool, store_id, **kw):
        planned.append(store_id)

    monkeypatch.setattr(dispatching, "dispatch_once", counted)
    dispatcher = Dispatcher(DeliverySettings(database_url=dsn, replan_gap_s=0.1, replan_s=600))
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        await eventually(lambda: dispatcher.owned == {STORE} and planned, "the first plan", 30)
        with caplog.at_level(logging.WARNING, logger="omo.dispatch"):
            await asyncio.to_thread(own_server.stop)
            await eventually(lambda: not dispatcher.owned, "the store let go", 30)
            await eventually(  # it tries to reconnect meanwhile, and stays up
                lambda: len(said(caplog, "omo.dispatch", "lost the database")) >= 2,
                "a second try to reach the database",
                30,
            )
        assert not running.done()
        await asyncio.to_thread(own_server.start)
        await eventually(lambda: dispatcher.owned == {STORE}, "the store claimed again", 30)
        planned.clear()
        conn = await asyncpg.connect(dsn)
        try:  # a wake-up reaches its new LISTEN connection
            await conn.execute("SELECT pg_notify('delivery_dispatch', $1)", STORE)
        finally:
            await conn.close()
        await eventually(lambda: STORE in planned, "a plan on the wake-up", 10)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def _waiting_on_a_lock(conn: asyncpg.Connection, statement: str) -> int:
    """The pid of the backend whose statement holding `statement` waits for a row lock (asked
    outside any transaction: one reads pg_stat_activity once and keeps that snapshot)."""
    for _ in range(400):
        pid = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND strpos(query, $1) > 0",
            statement,
        )
        if pid:
            return pid
        await asyncio.sleep(0.025)
    pytest.fail(f"no backend came to wait on a lock in {statement!r}")


async def _killed_while_waiting(
    database: str, hold: str, ask: Awaitable[httpx.Response], statement: str, caplog
) -> httpx.Response:
    """`ask`'s answer when its backend is terminated while its `statement` waits for the
    row that `hold` locks. Served by uvicorn in a thread: an in-process test client would
    block this loop until the answer, and nothing could terminate the backend meanwhile."""
    holder, watcher = await asyncpg.connect(database), await asyncpg.connect(database)
    try:
        async with holder.transaction():
            await holder.execute(hold)
            with caplog.at_level(logging.WARNING, logger="omo.http"):
                caplog.clear()
                asked = asyncio.ensure_future(ask)
                pid = await _waiting_on_a_lock(watcher, statement)
                assert await watcher.fetchval("SELECT pg_terminate_backend($1)", pid)
                answer = await asyncio.wait_for(asked, 30)
    finally:
        await holder.close()
        await watcher.close()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:omo:problem:database-unavailable"
    assert int(answer.headers["Retry-After"]) > 0
    said = [rec for rec in caplog.records if rec.name == "omo.http"]
    assert said and not any(rec.exc_info for rec in said), "a traceback was logged"
    return answer


async def test_a_connection_lost_in_the_requests_transaction_answers_503(database, demo, caplog):
    """The request's transaction (the `conn` every handler may take) loses its connection: the
    rollback that follows meets a closed connection, and the client still hears "try again"."""
    manager = bearer(Role.MANAGER, store=STORE)
    change = {"name": "omo Kobe Sannomiya", "lat": 34.6937, "lng": 135.1955}
    with serving("orders", database_url=database) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as orders:
            await _killed_while_waiting(
                database,
                f"SELECT 1 FROM orders.stores WHERE store_id = '{STORE}' FOR UPDATE",
                orders.put(f"/v1/stores/{STORE}", json=change, headers=manager),
                "UPDATE orders.stores",
                caplog,
            )
            # The pool lets the dead connection go: the same change now goes through.
            again = await orders.put(f"/v1/stores/{STORE}", json=change, headers=manager)
            assert again.status_code == 200, again.text


async def test_a_connection_lost_in_a_use_cases_own_transaction_answers_503(
    database, demo, delivery_url, caplog
):
    """Checkout takes connections of the pool for its steps; the step that claims stock (the
    offer's read, calling `orders.claim_stock`, whose reservation waits for a held row the
    committed stock can serve) loses its connection while it waits for a product row another
    holds."""
    async with httpx.AsyncClient(base_url=delivery_url) as delivery:  # knows the store by event
        zone = {"lat": 34.69, "lng": 135.19}
        await eventually(
            lambda: delivery.get(f"/v1/stores/{STORE}/zone", params=zone),
            "delivery to know the store",
            timeout=20,
            ok=lambda r: r.status_code == 200,
        )
    basket = {
        "store_id": STORE,
        "fulfilment": "pickup",
        "lines": [{"sku": "SKU-10001", "quantity": 1}],
    }
    shopper = {**bearer(Role.SHOPPER, member="mem_test_1"), "Idempotency-Key": "lost-connection-1"}
    with serving("orders", database_url=database, delivery_url=delivery_url) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as orders:
            await _killed_while_waiting(
                database,
                f"SELECT 1 FROM orders.products WHERE store_id = '{STORE}' FOR UPDATE",
                orders.post("/v1/orders", json=basket, headers=shopper),
                # The offer's statement, by its first line: pg_stat_activity shows a statement's
                # first 1,024 bytes, and the offer's comments alone are longer.
                OFFER.splitlines()[0],
                caplog,
            )


async def test_a_connection_the_server_ended_before_its_socket_closed_answers_503(database, caplog):
    """The server ends a pooled connection (a restart, an operator) and its FATAL arrives well
    before the socket's end: asyncpg still holds the connection open, in the middle of reading
    an error, and refuses the next query with an `InternalClientError`. The request that draws
    it hears "try again", and the pool lets it go."""
    shopper = bearer(Role.SHOPPER, member="mem_test_1")
    with slow_close(database, close_after=5.0) as late:
        with serving("delivery", database_url=late, bus_poll_seconds=0.2) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                # The store is unknown to this database: a 404 is the database answering.
                assert (
                    await http.post("/v1/quotes", json=QUOTE, headers=shopper)
                ).status_code == 404
                ended = await asyncpg.connect(database)
                try:
                    await ended.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                finally:
                    await ended.close()
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="omo.http"):
                    answers = [
                        await http.post("/v1/quotes", json=QUOTE, headers=shopper) for _ in range(4)
                    ]
                statuses = [r.status_code for r in answers]
                assert 500 not in statuses and 503 in statuses, statuses
                said = [rec for rec in caplog.records if rec.name == "omo.http"]
                assert not any(rec.exc_info for rec in said), "a traceback was logged"
                await eventually(
                    lambda: http.post("/v1/quotes", json=QUOTE, headers=shopper),
                    "the database to answer again",
                    20,
                    ok=lambda r: r.status_code == 404,
                )
