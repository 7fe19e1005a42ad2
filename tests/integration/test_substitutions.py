"""A picker's proposal reaches the shopper, who decides in time, or their preference does."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from services.orders.substitutions.domain import preference_approves
from services.orders.substitutions.service import decide_overdue
from shared.bus import publish
from shared.clock import Clock
from shared.db import connect, create_pool, init_connection
from shared.events import Substitute, SubstitutionProposed
from shared.money import Money
from tests.eventually import eventually
from tests.integration.shopping import CABBAGE, SHOPPER, place_and_pay

ONIONS = Substitute(
    sku="SKU-10004",
    name_en="Awaji Onions 3 pcs",
    name_ja="玉ねぎ",
    unit="each",
    quantity=1,
    unit_price=Money(298, "JPY"),
)


@pytest.mark.parametrize(
    ("preference", "sku", "approves"),
    [
        ("none", "X", False),
        ("any", "X", True),
        ("same_brand", "X", True),
        ("sku:X", "X", True),
        ("sku:Y", "X", False),
    ],
)
def test_the_lines_preference_decides_for_a_silent_shopper(preference, sku, approves):
    assert preference_approves(preference, sku) is approves


async def propose(
    database: str, order_id: str, *, decide_in: timedelta, sid: str = "sub_1"
) -> None:
    conn = await connect(database)
    try:
        await init_connection(conn)
        async with conn.transaction():
            now = Clock().now()
            await publish(
                conn,
                SubstitutionProposed(
                    substitution_id=sid,
                    order_id=order_id,
                    store_id="kobe-sannomiya",
                    line_no=1,
                    short_by=1,
                    substitute=ONIONS,
                    decide_by=now + decide_in,
                ),
                occurred_at=now,
            )
    finally:
        await conn.close()


async def proposals(orders, order_id: str) -> list[dict]:
    async def shown() -> list[dict]:
        return (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()["substitutions"]

    return await eventually(shown, "the proposal to reach the order")


async def decided_events(database: str) -> list[dict]:
    conn = await asyncpg.connect(database)
    try:
        await init_connection(conn)
        return [
            r["payload"]
            for r in await conn.fetch(
                "SELECT payload FROM kernel.events"
                " WHERE topic = 'substitution.decided' ORDER BY seq"
            )
        ]
    finally:
        await conn.close()


async def test_shopper_approves_a_proposed_substitute_in_time(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 2, "substitution": "none"})
    await propose(database, view["order_id"], decide_in=timedelta(minutes=5))
    [proposal] = await proposals(orders, view["order_id"])
    assert proposal["sku"] == ONIONS.sku and proposal["approved"] is None
    path = f"/v1/orders/{view['order_id']}/substitutions/sub_1"
    decided = await orders.post(path, json={"approve": True}, headers=SHOPPER)
    assert decided.status_code == 200
    assert (decided.json()["approved"], decided.json()["decided_by"]) == (True, "shopper")
    again = await orders.post(path, json={"approve": False}, headers=SHOPPER)
    assert again.status_code == 409
    [event] = await decided_events(database)
    assert (event["approved"], event["by"]) == (True, "shopper")


async def test_unanswered_proposal_is_decided_by_the_preference(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 2, "substitution": "none"})
    await propose(database, view["order_id"], decide_in=timedelta(seconds=-1))
    await proposals(orders, view["order_id"])
    pool = await create_pool(database)
    try:
        assert await decide_overdue(pool, Clock()) == 1
        assert await decide_overdue(pool, Clock()) == 0
    finally:
        await pool.close()
    late = await orders.post(
        f"/v1/orders/{view['order_id']}/substitutions/sub_1",
        json={"approve": True},
        headers=SHOPPER,
    )
    assert late.status_code == 409
    [event] = await decided_events(database)
    assert (event["approved"], event["by"]) == (False, "preference")  # 'none' declines


async def test_a_late_answer_is_refused_and_the_preference_applies(orders, database):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 2, "substitution": "any"})
    await propose(database, view["order_id"], decide_in=timedelta(seconds=-1))
    await proposals(orders, view["order_id"])
    late = await orders.post(
        f"/v1/orders/{view['order_id']}/substitutions/sub_1",
        json={"approve": False},
        headers=SHOPPER,
    )
    assert late.status_code == 409 and "preference approved" in late.json()["detail"], late.text
    [event] = await decided_events(database)
    assert (event["approved"], event["by"]) == (True, "preference")


async def test_another_shopper_cannot_decide(orders, database):
    from shared.auth import Role
    from tests.integration.apps import bearer

    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    await propose(database, view["order_id"], decide_in=timedelta(minutes=5))
    await proposals(orders, view["order_id"])
    response = await orders.post(
        f"/v1/orders/{view['order_id']}/substitutions/sub_1",
        json={"approve": True},
        headers=bearer(Role.SHOPPER, member="mem_x"),
    )
    assert response.status_code == 404
