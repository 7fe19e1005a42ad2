"""`omo serve <service> --workers N`: N processes answer on one port, and stop together."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import free_port, omo, wait_ready
from tests.eventually import eventually_sync

pytestmark = pytest.mark.e2e


def workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn started (multiprocessing's resource tracker is not one)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in cmdline:
            found.append(int(child))
    return found


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_serve_with_workers_answers_from_that_many_processes_on_one_port(database):
    port = free_port()
    serve = omo(
        "serve",
        "orders",
        "--workers",
        "2",
        env={"DATABASE_URL": database, "OMO_ORDERS_PORT": str(port), "OMO_LOG_LEVEL": "warning"},
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", serve)
        workers = eventually_sync(
            lambda: workers_of(serve.pid), "both workers to start", ok=lambda c: len(c) == 2
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            answers = [http.get("/v1/stores/nowhere/products/x").status_code for _ in range(20)]
        assert answers == [404] * 20
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(30)
    assert code == 0
    assert not any(alive(pid) for pid in workers)
