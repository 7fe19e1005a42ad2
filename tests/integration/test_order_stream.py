"""The shopper's order, live: its events as Server-Sent Events from the log, a proposed
substitute the moment it is proposed, and a reconnect with Last-Event-ID that misses nothing
and repeats nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from shared.auth import Role
from shared.events import Substitute, SubstituteReason, SubstitutionDecided, SubstitutionProposed
from shared.money import Money
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.eventlog import next_message, publish_events
from tests.integration.shopping import CABBAGE, SHOPPER, place_and_pay

STORE = "kobe-sannomiya"


def proposed(order_id: str) -> SubstitutionProposed:
    return SubstitutionProposed(
        substitution_id="sub_1",
        order_id=order_id,
        store_id=STORE,
        line_no=1,
        short_by=1,
        substitute=Substitute(
            sku="SKU-10009",
            name_en="Napa cabbage",
            name_ja="白菜",
            unit="each",
            quantity=1,
            unit_price=Money(250, "JPY"),
        ),
        decide_by=datetime.now(UTC) + timedelta(minutes=2),
        reason="same kind (cabbage); JPY 52 dearer",
        why=[
            SubstituteReason(code="same_kind", kind=["cabbage"]),
            SubstituteReason(code="dearer", difference=Money(52, "JPY")),
        ],
    )


def decided(order_id: str) -> SubstitutionDecided:
    return SubstitutionDecided(
        substitution_id="sub_1",
        order_id=order_id,
        store_id=STORE,
        line_no=1,
        approved=True,
        by="shopper",
    )


async def test_the_shopper_follows_their_order_and_resumes_where_they_left(
    orders, database, delivery_url, stripe_url
):
    order_id = (await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1}))["order_id"]
    path = f"/v1/orders/{order_id}/events"
    with serving(
        "orders", database_url=database, stripe_api_base=stripe_url, delivery_url=delivery_url
    ) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            stranger = bearer(Role.SHOPPER, member="mem_someone_else")
            assert (await http.get(path, headers=stranger)).status_code == 404
            bad = await http.get(path, headers={**SHOPPER, "Last-Event-ID": "yesterday"})
            assert bad.status_code == 422 and bad.json()["field"] == "Last-Event-ID"
            # An id beyond any the log gave out is from another server: start afresh, it says.
            ahead = await http.get(path, headers=SHOPPER, params={"last_event_id": str(10**12)})
            assert ahead.status_code == 422 and ahead.json()["field"] == "last_event_id"

            async with http.stream("GET", path, headers=SHOPPER) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                assert await anext(lines) == "retry: 3000"  # come back after 3 s if dropped
                first_id, topic, envelope = await next_message(lines)
                assert topic == "order.placed" and envelope["data"]["order_id"] == order_id
                assert first_id == str(envelope["seq"]) and envelope["store_id"] == STORE
                await publish_events(database, proposed(order_id))  # a picker finds it short
                second_id, topic, envelope = await next_message(lines)
                assert topic == "substitution.proposed"
                assert envelope["data"]["substitute"]["name_en"] == "Napa cabbage"
                # Why, as codes with their parameters an app words in its language.
                assert envelope["data"]["why"] == [
                    {"code": "same_kind", "kind": ["cabbage"]},
                    {"code": "dearer", "difference": {"amount": 52, "currency": "JPY"}},
                ]

            # Away after the proposal: the shopper answers it in the app meanwhile.
            await publish_events(database, decided(order_id))
            resumed = {**SHOPPER, "Last-Event-ID": second_id}
            async with http.stream("GET", path, headers=resumed) as stream:
                lines = stream.aiter_lines()
                _, topic, _ = await next_message(lines)
                assert topic == "substitution.decided"  # what was missed, nothing before it
                cancel = await http.post(f"/v1/orders/{order_id}/cancel", json={}, headers=SHOPPER)
                assert cancel.status_code == 200, cancel.text
                topics = []
                while "order.cancelled" not in topics:
                    topics.append((await next_message(lines))[1])
                rest = [line async for line in lines]  # the stream ends with the order
    assert not [line for line in rest if line.startswith("data:")]
