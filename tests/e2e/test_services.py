"""Three real service processes on one database: an event written by one is handled by others,
and one request is traced through all three by its id."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from shared.auth import Role
from tests.e2e.processes import free_port, omo, wait_ready
from tests.eventually import eventually_sync
from tests.integration.apps import bearer, new_store

pytestmark = pytest.mark.e2e


@pytest.fixture
def services(database, tmp_path):
    """The three services; each logs JSON lines at debug into `tmp_path/<name>.log`."""
    ports = {name: free_port() for name in ("orders", "fulfillment", "delivery")}
    env = {"DATABASE_URL": database, "OMO_BUS_POLL_SECONDS": "30"}
    env |= {"OMO_LOG_LEVEL": "debug", "OMO_LOG_FORMAT": "json"}
    env |= {f"OMO_{name.upper()}_PORT": str(port) for name, port in ports.items()}
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ports}
    running = {name: omo("serve", name, env=env, stderr=logs[name]) for name in ports}
    try:
        for name, port in ports.items():
            wait_ready(f"http://127.0.0.1:{port}/readyz", running[name])
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for process in running.values():
            process.terminate()
        for process in running.values():
            process.wait(10)
        for log in logs.values():
            log.close()


def log_lines(folder: Path, service: str) -> list[dict]:
    lines = (folder / f"{service}.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def found(response: httpx.Response) -> bool:
    return response.status_code == 200


def test_store_opened_in_orders_reaches_delivery_and_fulfillment(services):
    headers = {**bearer(Role.SERVICE), "Idempotency-Key": str(uuid.uuid4())}
    created = httpx.post(f"{services['orders']}/v1/stores", json=new_store(), headers=headers)
    assert created.status_code == 201

    zone = eventually_sync(
        lambda: httpx.get(
            f"{services['delivery']}/v1/stores/osaka-umeda/zone",
            params={"lat": 34.70, "lng": 135.50},
        ),
        "delivery to learn the new store",
        ok=found,
    )
    assert zone.status_code == 200
    assert zone.json()["deliverable"] is True
    layout = eventually_sync(
        lambda: httpx.get(
            f"{services['fulfillment']}/v1/stores/osaka-umeda/layout",
            headers=bearer(Role.MANAGER, store="osaka-umeda"),
        ),
        "fulfillment to learn the new store",
        ok=found,
    )
    assert layout.status_code == 200  # fulfillment knows the store now (no bins yet)
    assert layout.json() == {"items": [], "next_cursor": None}

    # A change travels the same way, and the zone follows it.
    change = {k: v for k, v in new_store(radius_m=300).items() if k != "store_id"}
    manager = bearer(Role.MANAGER, store="osaka-umeda")
    assert httpx.put(f"{services['orders']}/v1/stores/osaka-umeda", json=change, headers=manager)
    far = eventually_sync(
        lambda: httpx.get(
            f"{services['delivery']}/v1/stores/osaka-umeda/zone",
            params={"lat": 34.70, "lng": 135.50},
        ),
        "delivery to hear of the smaller radius",
        ok=lambda r: r.json()["radius_m"] == 300,
    )
    assert far.json()["deliverable"] is False


def test_one_requests_id_is_in_the_logs_of_all_three_services(services, tmp_path):
    """An operator greps one id: orders answered the request, and delivery and fulfillment
    each handled the event it published, under the same id."""
    rid = f"trace-{uuid.uuid4()}"
    headers = {**bearer(Role.SERVICE), "Idempotency-Key": str(uuid.uuid4()), "X-Request-Id": rid}
    created = httpx.post(f"{services['orders']}/v1/stores", json=new_store(), headers=headers)
    assert created.status_code == 201
    assert created.headers["Request-Id"] == rid

    def traced() -> dict[str, list[str]]:
        return {
            name: [x["message"] for x in log_lines(tmp_path, name) if x["request_id"] == rid]
            for name in services
        }

    found_in = eventually_sync(
        traced, "every service to log the request", ok=lambda t: all(t.values())
    )
    assert any("POST /v1/stores" in m for m in found_in["orders"]), found_in
    assert any("store.updated" in m for m in found_in["fulfillment"]), found_in
    assert any("store.updated" in m for m in found_in["delivery"]), found_in
