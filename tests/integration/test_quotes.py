"""A quote is the dispatcher's own model of the future: the riders as they are (idle at the
store, out on a route, none on shift) and the orders no rider carries yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.delivering import (
    MEMBER,
    STORE,
    handle_delivery,
    rider_on_duty,
    rows,
)

NEARBY = {"store_id": STORE, "lat": 34.6985, "lng": 135.1912}  # about 650 m from the store
SHOPPER = bearer(Role.SHOPPER, member=MEMBER)


async def waiting_for_a_rider(database: str, n: int, *, status: str = "ready") -> None:
    await rows(
        database,
        "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng, address_text,"
        " promise_at, placed_at, status, handover_code, bags, ready_at)"
        " SELECT $1, 'ord_q' || i, $2, 34.70, 135.19, 'Kobe', now() + interval '25 minutes',"
        " now() - interval '5 minutes', $4, '1234', 2, now() FROM generate_series(1, $3) i",
        STORE,
        MEMBER,
        n,
        status,
    )


async def quote(database: str, **body) -> dict:
    async with client("delivery", database, bus_poll_seconds=60) as c:
        r = await c.post("/v1/quotes", json={**NEARBY, **body}, headers=SHOPPER)
        assert r.status_code == 200, r.text
        return r.json()


async def test_no_rider_on_shift_no_delivery_promise_but_pickup(database, demo):
    await handle_delivery(database)
    none = await quote(database)
    assert none["deliverable"] is True and none["promise_at"] is None
    assert "no rider is on shift" in none["reason"]
    pickup = await quote(database, fulfilment="pickup")
    assert pickup["meets_30_minutes"] is True


async def test_an_idle_rider_beside_two_packed_orders_is_no_reason_to_promise_later(database, demo):
    """The landed quote said "2 orders are waiting for 1 riders: 19 minutes until one is free"
    while that rider stood idle at the store; the riders' future sends all three together."""
    await handle_delivery(database)
    await rider_on_duty(database)
    await waiting_for_a_rider(database, 2)
    made = await quote(database)
    assert made["meets_30_minutes"] is True, made


async def test_with_the_only_rider_out_the_promise_is_when_they_are_back_and_says_why(
    database, demo
):
    await handle_delivery(database)
    await rider_on_duty(database)
    back_in = timedelta(minutes=30)
    await rows(
        database,
        "INSERT INTO delivery.deliveries (store_id, order_id, member_id, lat, lng, address_text,"
        " promise_at, placed_at, status, handover_code, bags, route_id, rider_id, eta)"
        " VALUES ($1, 'ord_out', $2, 34.70, 135.19, 'Kobe', now() + $3::interval, now(), 'out',"
        " '1234', 2, 'rte_1', 'rider-5', now() + $3::interval)",
        STORE,
        MEMBER,
        back_in,
    )
    made = await quote(database)
    assert made["meets_30_minutes"] is False
    assert "until one is free" in made["reason"]
    promise_at = datetime.fromisoformat(made["promise_at"])
    assert promise_at > datetime.now(UTC) + back_in  # after the rider is back and rides out


async def test_a_basket_bagged_at_the_till_is_quoted_without_the_floor(database, demo):
    await handle_delivery(database)
    await rider_on_duty(database)
    await rows(
        database,
        "INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at) "
        "SELECT $1, 'ord_' || n, 'delivery', now() FROM generate_series(1, 200) n RETURNING 1",
        STORE,
    )
    assert (await quote(database))["meets_30_minutes"] is False  # 200 orders on the floor
    assert (await quote(database, packed=True))["meets_30_minutes"] is True


async def test_orders_on_the_floor_are_packed_one_pace_interval_after_another(database, demo):
    """Tonight's median paid-to-packed counts only orders already packed; a floor at 60 an
    hour with three orders paid ten minutes ago and none packed is done with them one a
    minute from now, not all at once in the past."""
    await handle_delivery(database)
    await rows(
        database, "UPDATE delivery.stores SET orders_per_hour = 60 WHERE store_id = $1", STORE
    )
    await waiting_for_a_rider(database, 3, status="waiting")
    await rows(
        database,
        "UPDATE delivery.deliveries SET placed_at = now() - interval '10 minutes' - "
        "(substr(order_id, 6)::int * interval '1 second'), ready_at = NULL WHERE store_id = $1",
        STORE,
    )
    line = await rows(
        database,
        "SELECT order_id, extract(epoch FROM ready_by - now()) AS in_s"
        " FROM delivery.floor_queue($1, now()) ORDER BY ready_by",
        STORE,
    )
    # paid last, packed last: ord_q1 was paid a second after ord_q2
    assert [r["order_id"] for r in line] == ["ord_q3", "ord_q2", "ord_q1"]
    assert [round(r["in_s"]) for r in line] == [60, 120, 180]
