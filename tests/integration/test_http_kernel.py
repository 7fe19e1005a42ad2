"""What every endpoint shares: problem+json, Idempotency-Key, access guards, probes."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from infra.registry import SERVICES
from shared.auth import Role
from tests.integration.apps import bearer, client, new_store

SERVICE = bearer(Role.SERVICE)
OPERATOR = bearer(Role.OPERATOR)
PROBLEM = "application/problem+json"


def key(n: int = 1) -> dict:
    return {"Idempotency-Key": f"test-key-{n:04d}"}


async def test_repeated_idempotency_key_replays_the_first_response_and_creates_once(database):
    async with client("orders", database) as c:
        first = await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
        again = await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert (first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]) == (
        "false",
        "true",
    )
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM orders.stores") == 1
        assert await conn.fetchval("SELECT count(*) FROM kernel.events") == 1
    finally:
        await conn.close()


async def test_concurrent_requests_with_one_key_create_once(database):
    async with client("orders", database) as c:
        responses = await asyncio.gather(
            *(
                c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
                for _ in range(8)
            )
        )
    assert {r.status_code for r in responses} == {201}
    assert sum(r.headers["idempotent-replayed"] == "false" for r in responses) == 1


async def test_same_key_with_another_body_is_a_422(database):
    async with client("orders", database) as c:
        await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
        other = await c.post(
            "/v1/stores", json=new_store("kyoto-shijo"), headers={**SERVICE, **key()}
        )
    assert other.status_code == 422
    assert other.headers["content-type"].startswith(PROBLEM)
    assert other.json()["field"] == "Idempotency-Key"


async def test_keys_belong_to_their_caller(database):
    other_operator = bearer(Role.SERVICE, subject="ops-2")
    async with client("orders", database) as c:
        await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
        second = await c.post("/v1/stores", json=new_store(), headers={**other_operator, **key()})
    assert second.status_code == 409  # not a replay of someone else's response: a real attempt


async def test_failed_request_does_not_burn_its_key(database):
    async with client("orders", database) as c:
        bad = await c.post(
            "/v1/stores", json=new_store(timezone="Mars/Olympus"), headers={**SERVICE, **key()}
        )
        good = await c.post(
            "/v1/stores", json=new_store(timezone="Mars/Olympus"), headers={**SERVICE, **key()}
        )
    assert bad.status_code == good.status_code == 422
    assert good.json()["field"] == "timezone"


async def test_creating_post_without_idempotency_key_is_refused(database):
    async with client("orders", database) as c:
        response = await c.post("/v1/stores", json=new_store(), headers=SERVICE)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("body", "field", "slug"),
    [
        (b'{"store_id": "x", ', "body", "malformed-json"),
        (
            b'{"store_id": "nara-one", "name": "N", "lat": 34.6, "lng": 135.8, "colour": "red"}',
            "colour",
            "invalid-request",
        ),
        (
            b'{"store_id": "nara-one", "name": "N", "lat": "north", "lng": 135.8}',
            "lat",
            "invalid-request",
        ),
        (
            b'{"store_id": "nara-one", "name": "N", "lat": 134.6, "lng": 135.8}',
            "lat",
            "invalid-request",
        ),
        (b'{"name": "N", "lat": 34.6, "lng": 135.8}', "store_id", "invalid-request"),
    ],
    ids=["malformed", "unknown-field", "wrong-type", "out-of-range", "missing"],
)
async def test_bad_body_is_a_problem_naming_the_field(database, body, field, slug):
    async with client("orders", database) as c:
        response = await c.post(
            "/v1/stores",
            content=body,
            headers={**SERVICE, **key(), "content-type": "application/json"},
        )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert (problem["type"], problem["field"], problem["status"]) == (
        f"urn:omo:problem:{slug}",
        field,
        400,
    )
    assert problem["instance"] == "/v1/stores"


@pytest.mark.parametrize(
    ("headers", "status", "says"),
    [
        ({}, 401, "Bearer"),
        ({"Authorization": "Basic abc"}, 401, "Bearer"),
        ({"Authorization": "Bearer not-a-jwt"}, 401, "not valid"),
        (
            bearer(Role.MANAGER, store="osaka-umeda", now=time.time() - 86400, ttl_s=60),
            401,
            "expired",
        ),
        (bearer(Role.CASHIER, store="osaka-umeda"), 403, "cashier may not"),
        (bearer(Role.MANAGER, store="kyoto-shijo"), 403, "not osaka-umeda"),
    ],
    ids=["missing", "not-bearer", "garbage", "expired", "wrong-role", "wrong-store"],
)
async def test_guard_refuses_bad_tokens(database, headers, status, says):
    async with client("orders", database) as c:
        await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
        change = {k: v for k, v in new_store().items() if k != "store_id"}
        response = await c.put("/v1/stores/osaka-umeda", json=change, headers=headers)
    assert response.status_code == status
    assert says in response.json()["detail"]


async def test_token_signed_with_another_secret_is_refused(database):
    async with client("orders", database, jwt_secret="another-secret-0123456789-abcdefghijkl") as c:
        response = await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
    assert response.status_code == 401


async def test_manager_may_change_their_own_store(database):
    async with client("orders", database) as c:
        await c.post("/v1/stores", json=new_store(), headers={**SERVICE, **key()})
        change = {k: v for k, v in new_store(name="omo Umeda North").items() if k != "store_id"}
        response = await c.put(
            "/v1/stores/osaka-umeda", json=change, headers=bearer(Role.MANAGER, store="osaka-umeda")
        )
        read = await c.get("/v1/stores/osaka-umeda")
    assert response.status_code == 200
    assert read.json()["name"] == "omo Umeda North"


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_route_states_who_may_call_it(database, service):
    async with client(service, database) as c:
        app = c.app
    unstated = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if (
                handler.http_methods == {"OPTIONS"}
                or handler.opt.get("public")
                or any(hasattr(g, "roles") for g in handler.guards or [])
            ):
                continue
            if str(route.path).startswith("/schema"):
                continue  # the OpenAPI documents, public by design
            unstated.append(f"{route.path} {sorted(handler.http_methods)}")
    assert unstated == []


@pytest.mark.parametrize("service", list(SERVICES))
async def test_probes_openapi_and_docs_answer(database, service):
    async with client(service, database) as c:
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        assert (await c.get("/readyz")).status_code == 200
        spec = (await c.get("/schema/openapi.json")).json()
        assert spec["openapi"].startswith("3.1")
        assert (await c.get("/schema")).status_code == 200
        metrics = (await c.get("/metrics", headers=OPERATOR)).text
    assert 'omo_http_requests_total{method="GET",route="/readyz",status="200"} 1.0' in metrics
    for consumer in c.app.state.consumers:
        assert f'omo_bus_pending_events{{consumer="{consumer.name}"}}' in metrics


async def test_readyz_fails_when_the_schema_falls_behind(database):
    async with client("delivery", database) as c:
        conn = await asyncpg.connect(database)
        try:
            await conn.execute("DELETE FROM migrations.applied WHERE component = 'delivery'")
        finally:
            await conn.close()
        response = await c.get("/readyz")
    assert response.status_code == 503  # a problem, as the document declares every 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:omo:problem:not-ready"
    assert "delivery/0001_stores_riders.sql" in response.json()["migrations_pending"]


@pytest.mark.parametrize("service", list(SERVICES))
async def test_metrics_show_the_process_and_no_created_series(database, service):
    async with client(service, database) as c:
        await c.get("/healthz")
        text = (await c.get("/metrics", headers=OPERATOR)).text
    names = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}
    assert {
        "omo_http_requests_total",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "python_gc_collections_total",
        "python_info",
    } <= names
    assert [n for n in names if n.endswith("_created")] == []


@pytest.mark.parametrize("service", list(SERVICES))
async def test_metrics_are_served_to_operators_only(database, service):
    manager = bearer(Role.MANAGER, store="kobe-sannomiya")
    async with client(service, database) as c:
        anyone = await c.get("/metrics")
        staff = await c.get("/metrics", headers=manager)
        another_service = await c.get("/metrics", headers=SERVICE)
        operator = await c.get("/metrics", headers=OPERATOR)
    assert anyone.status_code == 401 and anyone.headers["content-type"] == PROBLEM
    assert staff.status_code == another_service.status_code == 403
    assert "omo_http_requests_total" not in anyone.text + staff.text + another_service.text
    assert operator.status_code == 200 and "omo_http_requests_total" in operator.text
