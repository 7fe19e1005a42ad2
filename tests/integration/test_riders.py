"""Riders: shifts at their own store, positions reported in batches (checked, rate-limited),
and the route in hand with the store first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.delivery.riders.domain import CALLS_PER_WINDOW
from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.delivering import (
    MANAGER,
    RIDER_1,
    RIDER_2,
    SHOPPER,
    STORE,
    assign_route,
    bag_codes,
    command,
    handle_delivery,
    ready_orders,
    rows,
    wake_ups,
)


@pytest.fixture
async def c(database, demo):
    await handle_delivery(database)  # delivery learns of the store from store.updated
    async with client("delivery", database, bus_poll_seconds=60) as c:
        yield c


async def shift(c, action: str, who: dict = RIDER_1, key: str | None = None, store: str = STORE):
    return await c.post(
        "/v1/riders/me/shift",
        json={"store_id": store, "action": action},
        headers=command(who, key),
    )


def ping(seconds_ago: float = 0, lat: float = 34.694, lng: float = 135.196) -> dict:
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return {"lat": lat, "lng": lng, "at": at.isoformat()}


async def locate(c, *pings: dict, who: dict = RIDER_1):
    return await c.post("/v1/riders/me/location", json={"pings": list(pings)}, headers=who)


async def test_a_rider_starts_a_shift_once_and_ends_it(c, database):
    async with wake_ups(database) as heard:
        r = await shift(c, "start", key="start-key-0001")
    assert r.status_code == 200, r.text
    assert r.json()["on_shift"] is True and r.json()["rider_id"] == "rider-1"
    assert heard == [STORE]  # the dispatcher may plan with the rider now

    replay = await shift(c, "start", key="start-key-0001")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    twice = await shift(c, "start")
    assert twice.status_code == 409 and twice.json()["field"] == "action"

    ended = await shift(c, "end")
    assert ended.status_code == 200, ended.text
    assert ended.json()["on_shift"] is False
    assert ended.json()["started_at"] == r.json()["started_at"]
    assert (await shift(c, "end")).status_code == 409
    [row] = await rows(database, "SELECT ended_at FROM delivery.shifts WHERE rider_id = 'rider-1'")
    assert row["ended_at"] is not None


async def test_only_the_stores_own_riders_change_shifts(c, database):
    elsewhere = bearer(Role.RIDER, store="osaka-umeda", subject="rider-1")
    r = await shift(c, "start", who=elsewhere)
    assert r.status_code == 403 and r.json()["field"] == "store_id"
    stranger = bearer(Role.RIDER, store=STORE, subject="rider-99")
    assert (await shift(c, "start", who=stranger)).status_code == 403
    assert (await shift(c, "start", who=MANAGER)).status_code == 403
    assert (await shift(c, "start", who=SHOPPER)).status_code == 403
    bad = await shift(c, "pause")
    assert bad.status_code == 400 and bad.json()["field"] == "action"
    assert not await rows(database, "SELECT * FROM delivery.shifts")
    assert not await rows(database, "SELECT * FROM delivery.riders WHERE on_shift")


async def test_a_shift_does_not_end_with_a_route_in_hand(c, database):
    assert (await shift(c, "start")).status_code == 200
    [order_id] = await ready_orders(database, 1)
    route_id = await assign_route(database, "rider-1", [order_id])
    r = await shift(c, "end")
    assert r.status_code == 409
    assert r.json()["route_id"] == route_id and route_id in r.json()["detail"]
    [rider] = await rows(
        database, "SELECT on_shift FROM delivery.riders WHERE rider_id = 'rider-1'"
    )
    assert rider["on_shift"] is True


async def test_pings_are_kept_and_the_newest_is_the_riders_position(c, database):
    assert (await shift(c, "start")).status_code == 200
    newest, older = ping(5, lat=34.70), ping(60, lat=34.69)
    r = await locate(c, newest, older, ping(30, lat=34.695))
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 3
    assert r.json()["position"]["lat"] == 34.70
    again = await locate(c, newest)  # a retry keeps the ping once
    assert again.status_code == 200
    late = await locate(c, ping(120, lat=34.60))  # sent late: does not move the rider back
    assert late.json()["position"]["lat"] == 34.70
    assert len(await rows(database, "SELECT * FROM delivery.pings")) == 4
    [rider] = await rows(
        database, "SELECT lat, located_at FROM delivery.riders WHERE rider_id = 'rider-1'"
    )
    assert rider["lat"] == 34.70
    assert rider["located_at"] == datetime.fromisoformat(newest["at"])


async def test_a_batch_of_pings_sent_again_answers_the_same_and_adds_nothing(c, database):
    """Why location reports take no Idempotency-Key: a repeat creates nothing new."""
    assert (await shift(c, "start")).status_code == 200
    batch = [ping(20, lat=34.69), ping(10, lat=34.70)]
    first = await locate(c, *batch)
    again = await locate(c, *batch)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(await rows(database, "SELECT * FROM delivery.pings")) == 2


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: [ping(), ping(lat=91)], "pings[1].lat"),
        (lambda: [ping(lat=-90.5)], "pings[0].lat"),
        (lambda: [ping(lng=-181)], "pings[0].lng"),
        (lambda: [ping(-120)], "pings[0].at"),  # two minutes ahead of the clock
        (lambda: [ping(), ping(11 * 60)], "pings[1].at"),  # older than 10 minutes
        (lambda: [], "pings"),
        (lambda: [ping()] * 101, "pings"),
        (lambda: [{**ping(), "at": "2026-01-01T09:00:00"}], "pings[0].at"),  # no offset
    ],
)
async def test_bad_pings_are_refused_naming_the_field(c, database, make, field):
    pings = make()  # timed when the test runs, not when it is collected
    assert (await shift(c, "start")).status_code == 200
    r = await locate(c, *pings)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert r.headers["content-type"].startswith("application/problem+json")
    assert not await rows(database, "SELECT * FROM delivery.pings")
    [rider] = await rows(
        database, "SELECT located_at, window_calls FROM delivery.riders WHERE rider_id = 'rider-1'"
    )
    assert rider == {"located_at": None, "window_calls": 0}


async def test_only_a_rider_on_shift_reports_a_position(c, database):
    off = await locate(c, ping())
    assert off.status_code == 409 and "start a shift" in off.json()["detail"]
    stranger = bearer(Role.RIDER, store="osaka-umeda", subject="rider-1")
    assert (await locate(c, ping(), who=stranger)).status_code == 403
    assert (await locate(c, ping(), who=SHOPPER)).status_code == 403
    shape = await c.post("/v1/riders/me/location", json={"pings": [{"lat": 1}]}, headers=RIDER_1)
    assert shape.status_code == 400
    assert not await rows(database, "SELECT * FROM delivery.pings")


async def test_location_reports_are_limited_per_rider_per_minute(c, database):
    assert (await shift(c, "start")).status_code == 200
    assert (await shift(c, "start", who=RIDER_2)).status_code == 200
    for i in range(CALLS_PER_WINDOW):
        r = await locate(c, ping(i / 10))
        assert r.status_code == 200, (i, r.text)
    limited = await locate(c, ping())
    assert limited.status_code == 429
    assert limited.json()["type"].endswith("rate-limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["retry_after_s"] == int(limited.headers["Retry-After"])
    assert (await locate(c, ping(), who=RIDER_2)).status_code == 200  # each rider their own
    kept = await rows(database, "SELECT * FROM delivery.pings WHERE rider_id = 'rider-1'")
    assert len(kept) == CALLS_PER_WINDOW


async def test_the_rider_reads_their_route_with_the_store_first(c, database):
    assert (await shift(c, "start")).status_code == 200
    none = await c.get("/v1/riders/me/route", headers=RIDER_1)
    assert none.status_code == 404 and none.json()["type"].endswith("not-found")

    first, second = await ready_orders(database, 2)
    etas = [datetime.now(UTC) + timedelta(minutes=m) for m in (7, 12)]
    route_id = await assign_route(database, "rider-1", [second, first], etas=etas)
    r = await c.get("/v1/riders/me/route", headers=RIDER_1)
    assert r.status_code == 200, r.text
    route = r.json()
    assert route["route_id"] == route_id and route["status"] == "assigned"
    assert route["stops_left"] == 2
    store, *doors = route["stops"]
    assert store["kind"] == "collect" and store["status"] == "pending"
    assert (store["lat"], store["lng"]) == (34.6937, 135.1955)
    assert store["bags"] == bag_codes(second) + bag_codes(first)
    assert [d["order_id"] for d in doors] == [second, first]
    assert [d["kind"] for d in doors] == ["deliver", "deliver"]
    assert [datetime.fromisoformat(d["eta"]) for d in doors] == etas
    assert doors[0]["address"] == "Door 2, Kobe" and doors[0]["bags"] == bag_codes(second)
    assert doors[0]["lat"] == 34.6901 and doors[0]["status"] == "assigned"

    other = await c.get("/v1/riders/me/route", headers=RIDER_2)
    assert other.status_code == 404  # rider-2 holds no route
