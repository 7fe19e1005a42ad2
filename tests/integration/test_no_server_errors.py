"""No input makes a service answer 5xx, whoever sends it, and every answer is one its document
declares: schemathesis generates requests from each service's own OpenAPI document (valid ones
and ones that break it), for every role, and checks each answer's status, media type, headers
and body against the operation's responses (response conformance), besides it not being a
server error. Every failure of a run is gathered and shown at once, not only the first.

Bounded so that it runs in every `pytest` (a minute to a minute and a half on two cores): a fixed
seed, and a few cases per operation for each role it admits or when it is public, two for a
role it refuses (the guard answers before the input is read). Every case carries the role's
token, half of those on a store name the demo store (a random one stops at 404), and a
Server-Sent Events stream is judged by its status, as its body never ends. The three services
run as the other integration tests run them (uvicorn in a thread, the demo store seeded,
localstripe), so a case reaches the same code a client would.

    pytest tests/integration/test_no_server_errors.py -s   # prints the cases per role
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.conftest import serving

SEED = 4242
ADMITTED_EXAMPLES = 15  # per operation, for a role it admits (or any role, when public)
REFUSED_EXAMPLES = 2
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
STORE = "kobe-sannomiya"
STAFF = {Role.CASHIER, Role.PICKER, Role.RIDER, Role.MANAGER}  # tokens scoped to one store
PEOPLE = {Role.PICKER: "picker-1", Role.RIDER: "rider-1"}  # on the demo store's register
TOKENS = {
    role: bearer(
        role,
        store=STORE if role in STAFF else None,
        member="mem_test_1" if role is Role.SHOPPER else None,
        subject=PEOPLE.get(role),
    )
    for role in Role
}


@pytest.fixture
def stack(database, demo, delivery_url, stripe_url) -> Iterator[dict[str, str]]:
    """The three services on the test database, wired to each other and to localstripe."""
    with serving(
        "orders", database_url=database, delivery_url=delivery_url, stripe_api_base=stripe_url
    ) as orders_url:
        with serving("fulfillment", database_url=database, orders_url=orders_url) as fulfillment:
            yield {"orders": orders_url, "fulfillment": fulfillment, "delivery": delivery_url}


def _admits(operation, role: Role) -> bool:
    security = operation.definition.raw.get("security")
    return not security or any(role.value in scopes for s in security for scopes in s.values())


def _run(
    operation,
    url: str,
    session: requests.Session,
    headers: dict,
    examples: int,
    answers: Counter[int],
    failures: dict[str, str],
) -> int:
    """Send `examples` generated cases of one operation; how many were sent (`answers` counts
    their statuses, `failures` keeps one reproduction per kind of failure)."""
    sent = 0
    # Half the cases of an operation on a store name the demo store: a random store id stops
    # at 404, the demo's reaches the rules behind it.
    stores = [{}, {"store_id": STORE}] if "{store_id}" in operation.path else [{}]
    cases = st.one_of(
        operation.as_strategy(mode, path_parameters=store)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for store in stores
    )

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=cases)
    def one(case):
        nonlocal sent
        sent += 1
        request = case.as_transport_kwargs(base_url=url, headers=headers)
        # Negative cases drop the bearer token (a 401 at the door): every case is the role's.
        request["headers"].update(headers)
        with session.request(**request, stream=True, timeout=30) as response:
            answers[response.status_code] += 1
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                # A live stream (Server-Sent Events) never ends: its status is the answer.
                assert response.status_code < 500, case.as_curl_command(headers)
                return
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as failed:
                found = failed.exceptions if isinstance(failed, FailureGroup) else [failed]
                for failure in found:
                    kind = f"{operation.label} {response.status_code} {failure.title}"
                    failures.setdefault(
                        kind, f"{failure.message[:400]}\n{case.as_curl_command(headers)}"
                    )

    one()
    return sent


@pytest.mark.schemathesis
@pytest.mark.parametrize("service", ["orders", "fulfillment", "delivery"])
def test_every_generated_request_gets_a_documented_answer(stack, service):
    url = stack[service]
    schema = schemathesis.openapi.from_url(f"{url}/schema/openapi.json")
    operations = [op.ok() for op in schema.get_all_operations()]
    counts, answers, failures = {}, Counter[int](), dict[str, str]()
    with requests.Session() as session:
        for role in Role:
            counts[role.value] = sum(
                _run(
                    op,
                    url,
                    session,
                    TOKENS[role],
                    ADMITTED_EXAMPLES if _admits(op, role) else REFUSED_EXAMPLES,
                    answers,
                    failures,
                )
                for op in operations
            )
    print(
        f"\nschemathesis {service}: {len(operations)} operations, seed {SEED}, cases per role "
        f"{counts}, total {sum(counts.values())}, {len(failures)} kinds of failure; "
        f"statuses {sorted(answers.items())}"
    )
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in sorted(failures.items()))


async def test_a_limit_out_of_bounds_is_a_400_naming_it(database, demo):
    """Found by the run above: `?limit=-1` reached PostgreSQL (LIMIT must not be negative) and
    came back as a 500, because Litestar drops msgspec.Meta bounds on a query parameter."""
    shopper = bearer(Role.SHOPPER, member="mem_test_1")
    async with client("orders", database) as orders:
        for limit in ("-1", "0", "101"):
            answer = await orders.get("/v1/orders", params={"limit": limit}, headers=shopper)
            assert answer.status_code == 400, answer.text
            assert answer.json()["field"] == "limit"
        assert (
            await orders.get("/v1/orders", params={"limit": 1}, headers=shopper)
        ).status_code == 200
