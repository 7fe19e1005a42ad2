"""While PostgreSQL is down a service says "try again" (503, Retry-After), not "bug" (500), logs
one line per request rather than a traceback, and serves again once the database is back.

The test's own embedded server, so that stopping it stops no other test's database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all
from shared.auth import Role
from shared.db import with_database
from shared.settings import PROJECT_ROOT
from tests.conftest import FAST
from tests.integration.apps import bearer
from tests.integration.conftest import serving

QUOTE = {"store_id": "kobe-sannomiya", "lat": 34.6937, "lng": 135.1955}


@pytest.fixture
def own_server() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(PROJECT_ROOT / ".omo" / "test-pg-down", settings=FAST)
    server.destroy()
    try:
        asyncio.run(migrate_all(server.start()))
        yield server
    finally:
        server.destroy()


def _wait_until(ready, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


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
        _wait_until(lambda: http.get("/readyz").status_code == 200)
        # The store is unknown to this empty database: a 404 is the database answering.
        assert http.post("/v1/quotes", json=QUOTE, headers=shopper).status_code == 404
        http.close()
