"""One id per request: in its response, in every log line it causes, on the events it publishes
and in the work its consumers do."""

from __future__ import annotations

import logging
import uuid

import asyncpg
import pytest

from infra.registry import SERVICES
from shared.auth import Role
from shared.bus import Consumer, drain, subscribe
from shared.events import Envelope, StoreUpdated
from shared.logs import Stamp
from shared.tracing import current_request_id, request_id
from tests.integration.apps import bearer, client, new_store
from tests.integration.bus_helpers import publish_one


class Kept(logging.Handler):
    """The records that reach the root logger, stamped the way `omo serve` stamps them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(Stamp("orders"))
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept_logs():
    handler, root = Kept(), logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_clients_own_request_id_comes_back(database, service):
    async with client(service, database) as c:
        response = await c.get("/healthz", headers={"X-Request-Id": "shop-app-7f3a.42"})
    assert response.headers["request-id"] == "shop-app-7f3a.42"


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_request_without_an_id_gets_a_new_one_even_a_404(database, service):
    async with client(service, database) as c:
        first = await c.get("/healthz")
        missing = await c.get("/v1/no-such-thing")
    assert missing.status_code == 404
    ids = {first.headers["request-id"], missing.headers["request-id"]}
    assert len(ids) == 2
    assert all(uuid.UUID(i) for i in ids)


@pytest.mark.parametrize("offered", ["", "a" * 129, "two words", "line\tbreak", "-leading"])
async def test_an_insane_client_id_is_replaced(database, offered):
    async with client("orders", database) as c:
        response = await c.get("/healthz", headers={"X-Request-Id": offered})
    assert uuid.UUID(response.headers["request-id"])


async def test_a_log_line_written_while_handling_a_request_names_it(database, kept_logs):
    # In prod the code goes out after the response, in a background task: still the request's.
    async with client("orders", database, env="prod") as c:
        response = await c.post(
            "/v1/members/otp", json={"phone": "+819012345678"}, headers={"X-Request-Id": "otp-1"}
        )
    assert response.status_code == 200
    sent = [r for r in kept_logs if r.name == "omo.members"]
    assert [(r.getMessage().startswith("sending code"), r.request_id) for r in sent] == [
        (True, "otp-1")
    ]


async def test_events_a_request_publishes_carry_its_id(database):
    async with client("orders", database) as c:
        response = await c.post(
            "/v1/stores",
            json=new_store(),
            headers={
                **bearer(Role.SERVICE),
                "Idempotency-Key": "test-key-0001",
                "X-Request-Id": "ops-9",
            },
        )
    assert response.status_code == 201
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch("SELECT topic, request_id FROM kernel.events")
    finally:
        await conn.close()
    assert [(r["topic"], r["request_id"]) for r in rows] == [("store.updated", "ops-9")]


async def test_a_consumer_works_under_the_id_of_the_request_behind_its_event(pool):
    seen: list[tuple[str | None, str | None]] = []

    async def handle(_conn: asyncpg.Connection, envelope: Envelope) -> None:
        seen.append((envelope.request_id, current_request_id()))

    consumer = Consumer("test.tracer", (StoreUpdated.topic,), handle)
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM kernel.subscriptions")
        await subscribe(conn, [consumer])
    with request_id("checkout-5"):
        await publish_one(pool, "store-a")
    await publish_one(pool, "store-b")  # no request behind this one

    assert await drain(pool, consumer) == 2
    assert seen == [("checkout-5", "checkout-5"), (None, None)]
    assert current_request_id() is None
