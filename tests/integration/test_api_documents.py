"""The OpenAPI documents tell a client what each operation does and who may call it, and the
docs pages work on a network without internet; events and webhooks carry money as the API
does."""

from __future__ import annotations

import re

import pytest
from litestar.response import ServerSentEvent

from infra.registry import SERVICES
from services.orders.webhooks.openapi import data_schema
from shared.events import TOPICS
from shared.limits import MAX_BODY_BYTES
from tests.integration.apps import client

DOCS_PAGES = ["/schema", "/schema/swagger", "/schema/redoc"]
# Property names that hold money wherever they appear.
MONEY_NAME = re.compile(
    r"(^|_)(amount|price|total|estimate|estimated|tax|due|charged|received|change|captured"
    r"|authorized|refunded|difference)$"
)
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# Operations anyone may call, one per kind the issue names: store finder, one-time codes,
# handheld sign-in, probes, Stripe's webhook (metrics are the operator's).
PUBLIC = {
    "orders": ["findStores", "sendMemberCode", "verifyMemberCode", "stripeWebhook", "healthz"],
    "fulfillment": ["signIn", "healthz"],
    "delivery": ["checkZone", "readyz"],
}


def operations(spec: dict) -> dict[str, dict]:
    return {
        op["operationId"]: op
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_operation_is_described_and_states_who_may_call_it(database, service):
    async with client(service, database) as c:
        ops = operations((await c.get("/schema/openapi.json")).json())
    assert [name for name, op in ops.items() if not op.get("description")] == []
    for name in PUBLIC[service]:
        assert ops[name]["security"] == [], name
    guarded = {n: op["security"] for n, op in ops.items() if op["security"]}
    assert guarded, "every operation of a service public?"
    assert all(
        len(s) == 1 and list(s[0]) == ["bearer"] and s[0]["bearer"] for s in guarded.values()
    )


async def test_a_guarded_operation_names_the_roles_it_admits(database):
    async with client("orders", database) as c:
        ops = operations((await c.get("/schema/openapi.json")).json())
    assert ops["refundOrder"]["security"] == [{"bearer": ["manager"]}]
    assert "manager" in ops["refundOrder"]["description"].lower()


async def test_a_cached_catalog_read_declares_its_etag_and_its_304(database):
    """The catalog answers 304 to a client that sends back its `ETag` (test_catalog_cache): a
    client generated from the document must expect both."""
    async with client("orders", database) as c:
        ops = operations((await c.get("/schema/openapi.json")).json())
    for name in ("searchProducts", "getProduct"):
        responses = ops[name]["responses"]
        assert "304" in responses and "content" not in responses["304"], name
        assert {"ETag", "Cache-Control"} <= set(responses["200"]["headers"]), name
        [etag] = [p for p in ops[name]["parameters"] if p["name"] == "If-None-Match"]
        assert etag["in"] == "header" and not etag["required"], name


async def test_an_operation_that_calls_stripe_declares_its_502(database):
    """Stripe out of reach, or refusing, is a 502 `payment-gateway` problem."""
    async with client("orders", database) as c:
        ops = operations((await c.get("/schema/openapi.json")).json())
        calling = [
            h.operation_id
            for route in c.app.routes
            for h in getattr(route, "route_handlers", [])
            if "gateway" in h.parsed_fn_signature.parameters
        ]
    assert len(calling) >= 5
    assert [name for name in calling if "502" not in ops[name]["responses"]] == []


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_stream_is_documented_as_server_sent_events(database, service):
    async with client(service, database) as c:
        ops = operations((await c.get("/schema/openapi.json")).json())
        streams = [
            h.operation_id
            for route in c.app.routes
            for h in getattr(route, "route_handlers", [])
            if h.parsed_fn_signature.return_type.annotation is ServerSentEvent
        ]
    assert streams, "a service without a stream?"
    assert {n: list(ops[n]["responses"]["200"]["content"]) for n in streams} == {
        n: ["text/event-stream"] for n in streams
    }


@pytest.mark.parametrize("page", DOCS_PAGES)
async def test_docs_pages_load_nothing_from_outside_the_service(database, page):
    async with client("delivery", database) as c:
        html = (await c.get(page)).text
        references = REFERENCE.findall(html)
        outside = [r for r in references if re.match(r"(https?:)?//", r)]
        fetched = {r: (await c.get(r)).status_code for r in references}
    assert references, f"{page} references no script at all"
    assert outside == []
    assert set(fetched.values()) == {200}, fetched


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_error_an_operation_may_answer_is_a_documented_problem(database, service):
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    for name, op in operations(spec).items():
        errors = {int(s): r for s, r in op["responses"].items() if int(s) >= 400}
        expected = {400, 404, 409, 422, 429, 503} | ({401, 403} if op["security"] else set())
        assert expected <= set(errors), (name, sorted(errors))
        for status, response in errors.items():
            [(media, content)] = response["content"].items()
            assert media == "application/problem+json", (name, status)
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}, (name, status)


@pytest.mark.parametrize("service", list(SERVICES))
async def test_an_operation_that_takes_a_body_declares_the_413_for_one_too_large(database, service):
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    taking = {n: op for n, op in operations(spec).items() if "requestBody" in op}
    assert taking, "no operation of the service takes a body?"
    assert [n for n, op in taking.items() if "413" not in op["responses"]] == []
    assert [
        n for n, op in operations(spec).items() if n not in taking and "413" in op["responses"]
    ] == []


async def test_a_body_too_large_is_the_documented_413_problem(database):
    async with client("orders", database) as c:
        r = await c.post(
            "/v1/members/otp",
            content=b"{" + b" " * MAX_BODY_BYTES + b"}",
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "urn:omo:problem:request-entity-too-large"


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_request_body_shows_an_example(database, service):
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    bodies = {
        name: content
        for name, op in operations(spec).items()
        for media, content in op.get("requestBody", {}).get("content", {}).items()
        if "json" in media
    }
    assert bodies, "no operation of the service takes a body?"
    bare = [n for n, c in bodies.items() if not (c.get("examples") or c["schema"].get("examples"))]
    assert bare == []


# Properties that hold one of a fixed set of values wherever they appear (README: "States are
# enums").
STATE_NAME = re.compile(r"^(status|unit|fulfilment|zone|decided_by|cause|outcome|tender)$")


def _is_free_text(schema: dict) -> bool:
    """A string any value of which is allowed (not an enum, a const or a reference)."""
    kinds = schema.get("oneOf", [schema])
    return any(k.get("type") == "string" and not {"enum", "const"} & set(k) for k in kinds)


def _state_here(name: str, schema: dict) -> list[str]:
    """A state held as a plain string among `schema`'s own properties."""
    return [
        f"{name}.{p}"
        for p, ps in schema.get("properties", {}).items()
        if STATE_NAME.match(p) and _is_free_text(ps)
    ]


def state_faults(name: str, schema: dict) -> list[str]:
    """Where `schema`, or a schema inside it, holds a state as a plain string."""
    return everywhere(_state_here, name, schema)


async def component_faults(service: str, database, faults) -> list[str]:
    """`faults` of every component schema of a service's document."""
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    return [f for n, s in spec["components"]["schemas"].items() for f in faults(n, s)]


@pytest.mark.parametrize("service", list(SERVICES))
async def test_every_state_is_an_enum(database, service):
    assert await component_faults(service, database, state_faults) == []


def test_every_event_carries_its_states_as_enums():
    assert [f for t in sorted(TOPICS) for f in state_faults(t, data_schema(t))] == []


def _is_integer(schema: dict) -> bool:
    return schema.get("type") == "integer" or any(_is_integer(s) for s in schema.get("oneOf", []))


def _is_money(schema: dict) -> bool:
    properties = schema.get("properties", {})
    return set(properties) == {"amount", "currency"} and _is_integer(properties["amount"])


def _inner(schema: dict) -> list[dict]:
    """The schemas written inside `schema` (not those it refers to)."""
    inner = [*schema.get("properties", {}).values(), *schema.get("$defs", {}).values()]
    inner += [
        schema[k] for k in ("items", "additionalProperties") if isinstance(schema.get(k), dict)
    ]
    return inner + [
        s for k in ("anyOf", "oneOf", "allOf", "prefixItems") for s in schema.get(k, [])
    ]


def everywhere(here, name: str, schema: dict) -> list[str]:
    """What `here` finds in `schema` and in every schema written inside it."""
    return here(name, schema) + [
        f for inner in _inner(schema) for f in everywhere(here, name, inner)
    ]


def _money_here(name: str, schema: dict) -> list[str]:
    """Money among `schema`'s own properties other than as `Money`."""
    properties = schema.get("properties", {})
    if _is_money(schema):
        return []
    flat = [f"{name}: amount beside currency"] if {"amount", "currency"} <= set(properties) else []
    return flat + [
        f"{name}.{p}" for p, ps in properties.items() if MONEY_NAME.search(p) and _is_integer(ps)
    ]


def money_faults(name: str, schema: dict) -> list[str]:
    """Where `schema`, or a schema inside it, holds money other than as `Money`: an integer
    named as money, or an amount flat beside a currency."""
    return everywhere(_money_here, name, schema)


@pytest.mark.parametrize("service", list(SERVICES))
async def test_money_has_one_shape_amount_and_currency_together(database, service):
    assert await component_faults(service, database, money_faults) == []


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_event_carries_money_in_the_api_shape(topic):
    assert money_faults(topic, data_schema(topic)) == []


async def test_webhook_payloads_are_documented_field_by_field_with_money_in_one_shape(database):
    async with client("orders", database) as c:
        hooks = (await c.get("/schema/openapi.json")).json()["webhooks"]
    bodies = {t: h["post"]["requestBody"]["content"]["application/json"] for t, h in hooks.items()}
    data = {t: b["schema"]["properties"]["data"] for t, b in bodies.items()}
    assert [t for t, d in data.items() if not d.get("properties")] == []
    assert [f for t, d in data.items() for f in money_faults(t, d)] == []
    examples = {t: b["examples"]["delivery"]["value"] for t, b in bodies.items() if "examples" in b}
    assert {"order.placed", "payment.captured", "payment.refunded"} <= set(examples)
    assert examples["payment.captured"]["data"]["amount"] == {"amount": 496, "currency": "JPY"}


@pytest.mark.parametrize("service", list(SERVICES))
async def test_no_request_body_is_a_bare_array(database, service):
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    bare = [
        name
        for name, op in operations(spec).items()
        for media, content in op.get("requestBody", {}).get("content", {}).items()
        if "json" in media and content["schema"].get("type") == "array"
    ]
    assert bare == []


@pytest.mark.parametrize("service", list(SERVICES))
async def test_no_list_is_answered_as_a_bare_array(database, service):
    async with client(service, database) as c:
        spec = (await c.get("/schema/openapi.json")).json()
    bare = [
        (name, status)
        for name, op in operations(spec).items()
        for status, response in op["responses"].items()
        if status.startswith("2")
        for media, content in (response.get("content") or {}).items()
        if "json" in media and content["schema"].get("type") == "array"
    ]
    assert bare == []
