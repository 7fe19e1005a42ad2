"""The manager's live page's data: the store's state as JSON and as a resumable stream, for its
own manager only, with the floor from fulfillment over HTTP (or unknown when it is slow)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from services.delivery.live import api as live_api
from services.delivery.live.floor import TIMEOUT_S
from shared.auth import Role
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.delivering import (
    MANAGER,
    RIDER_1,
    SHOPPER,
    STORE,
    emit,
    handle_delivery,
    placed,
    rider_on_duty,
    rows,
)
from tests.integration.eventlog import next_message
from tests.integration.live_store import AT_STORE, busy_evening, place_rider, quote, set_pace

STATE = f"/v1/stores/{STORE}/live/state"
STREAM = f"/v1/stores/{STORE}/live/stream"


@pytest.fixture
def services(database: str, demo: str) -> Iterator[str]:
    """Delivery over HTTP, asking a real fulfillment for the floor."""
    with (
        serving("fulfillment", database_url=database, bus_poll_seconds=60) as fulfillment_url,
        serving(
            "delivery",
            database_url=database,
            bus_poll_seconds=60,
            fulfillment_url=fulfillment_url,
        ) as url,
    ):
        yield url


@pytest.fixture
def silent_fulfillment() -> Iterator[str]:
    """An address that takes connections and never answers: a fulfillment stuck."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


async def test_the_manager_sees_orders_by_stage_riders_and_the_last_hours_on_time_rate(
    database, services
):
    evening = await busy_evening(database)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        r = await http.get(STATE, headers=MANAGER)
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["store"]["name"] == "omo Kobe Sannomiya"
    assert state["store"]["timezone"] == "Asia/Tokyo"  # from store.updated, not the default
    counts = {s["stage"]: s["count"] for s in state["stages"]}
    assert counts == {"floor": 1, "ready": 1, "rider": 2, "delivered": 1}
    assert state["on_time"] == {
        "done": 1,
        "on_promise": 1,
        "within_30": 0,
        "promise_rate": 1.0,
        "thirty_rate": 0.0,
    }
    assert state["store"]["language"] == "ja"  # the page's words: a store in Japan
    assert state["alert"] == "1 ready order has no rider"
    facts = state["alert_facts"]  # the same, for the page to word in Japanese or English
    assert (facts["late_orders"], facts["unassigned"], facts["too_big"]) == (0, 1, [])
    [late] = state["late"]
    assert (late["order_id"], late["late"], late["held_by"]) == (evening.late, True, "floor")
    riders = {r["rider_id"]: r for r in state["riders"]}
    assert riders["rider-1"]["state"] == "loading"  # a route assigned, its bags not taken yet
    assert [s["order_id"] for s in riders["rider-1"]["stops"]] == evening.route
    assert riders["rider-2"]["state"] == "back"  # no route, a kilometre from the store
    assert [z["zone"] for z in state["floor"]["zones"]] == [
        "frozen",
        "chilled",
        "produce",
        "ambient",
    ]
    assert state["floor"]["pickers"] == []


async def test_the_floor_is_unknown_when_fulfillment_does_not_answer_in_time(
    database, demo, silent_fulfillment
):
    await busy_evening(database)
    with serving(
        "delivery", database_url=database, bus_poll_seconds=60, fulfillment_url=silent_fulfillment
    ) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            started = time.monotonic()
            r = await http.get(STATE, headers=MANAGER)
            took = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert r.json()["floor"] is None
    assert {s["stage"]: s["count"] for s in r.json()["stages"]}["rider"] == 2
    assert took < TIMEOUT_S + 1.5  # it did not wait for fulfillment


async def late_quotes(database: str, services: str) -> None:
    """The store refuses one promise (no rider on shift) and makes two later (its floor set to
    one order an hour with an order ahead: a delivery and a pickup); another store's late
    quote, this store's from two hours ago, one in time and an address outside the zone are
    not its last hour's late promises."""
    await handle_delivery(database)
    await rows(
        database,
        "INSERT INTO delivery.late_quotes (store_id, at, quote_id, fulfilment, cause, reason)"
        " VALUES ('osaka-umeda', now(), gen_random_uuid(), 'delivery', 'riders_short', 'x'),"
        " ($1, now() - interval '2 hours', gen_random_uuid(), 'delivery', 'no_rider', 'y')"
        " RETURNING store_id",
        STORE,
    )
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        assert (await quote(http))["promise_at"] is None  # no rider on shift
        await rider_on_duty(database, "rider-1")
        await set_pace(http, 600)
        assert (await quote(http))["meets_30_minutes"] is True
        assert (await quote(http, lat=35.0))["deliverable"] is False
        await emit(database, placed())
        await set_pace(http, 1)
        assert (await quote(http))["meets_30_minutes"] is False
        assert (await quote(http, fulfilment="pickup"))["meets_30_minutes"] is False


async def test_the_manager_sees_the_last_hours_promises_refused_or_made_later_and_why(
    database, services
):
    await late_quotes(database, services)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        r = await http.get(STATE, headers=MANAGER)
    assert r.status_code == 200, r.text
    promises = r.json()["promises"]
    assert promises["by_cause"] == [
        {"cause": "floor_queue", "quotes": 2},
        {"cause": "no_rider", "quotes": 1},
    ]
    latest = promises["latest"]
    assert [(q["cause"], q["fulfilment"]) for q in latest] == [
        ("floor_queue", "pickup"),
        ("floor_queue", "delivery"),
        ("no_rider", "delivery"),
    ]
    assert latest[0]["reason"] == "1 order ahead keeps the store busy for 50 minutes"
    assert latest[1]["promise_at"] > latest[1]["at"]
    assert latest[2]["promise_at"] is None
    assert "no rider is on shift" in latest[2]["reason"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (bearer(Role.MANAGER, store="osaka-umeda"), 403),
        (RIDER_1, 403),
        (SHOPPER, 403),
        ({}, 401),
    ],
)
async def test_nobody_but_the_stores_manager_sees_its_live_state(database, services, who, status):
    await busy_evening(database)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        for path in (STATE, STREAM):
            r = await http.get(path, headers=who)
            assert r.status_code == status, (path, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert "Haruto" not in r.text and "omo Kobe" not in r.text


async def test_the_page_itself_is_public_and_holds_no_data(database, services):
    await busy_evening(database)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        r = await http.get(f"/v1/stores/{STORE}/live")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Sannomiya" not in r.text and "Haruto" not in r.text
    elsewhere = r.text.replace("http://www.w3.org/2000/svg", "")  # SVG's namespace name
    assert "http://" not in elsewhere and "https://" not in elsewhere


async def test_a_live_stream_resumed_with_its_last_id_sends_only_a_newer_state(
    database, services, monkeypatch
):
    monkeypatch.setattr(live_api, "POLL_S", 0.05)
    await busy_evening(database)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        async with http.stream("GET", STREAM, headers=MANAGER) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            seen, event, message = await next_message(stream.aiter_lines())
        assert event == "live.updated" and seen
        state = message["data"]  # in the public envelope, like every stream's message
        assert message["seq"] is None and message["store_id"] == STORE
        assert message["occurred_at"] == state["at"]
        riders = {r["rider_id"]: r["state"] for r in state["riders"]}
        assert riders["rider-2"] == "back"

        resumed = {**MANAGER, "Last-Event-ID": seen}
        async with http.stream("GET", STREAM, headers=resumed) as stream:
            lines = stream.aiter_lines()
            await place_rider(database, "rider-2", AT_STORE)  # home: the only change
            newer, _, message = await next_message(lines)  # not the state it had
        assert newer != seen
        riders = {r["rider_id"]: r["state"] for r in message["data"]["riders"]}
        assert riders["rider-2"] == "free"

        stale = {**MANAGER, "Last-Event-ID": seen}  # a client that missed the change
        async with http.stream("GET", STREAM, headers=stale) as stream:
            again, _, _ = await next_message(stream.aiter_lines())
        assert again == newer


async def test_a_live_stream_ends_when_the_managers_token_expires(database, services, monkeypatch):
    monkeypatch.setattr(live_api, "POLL_S", 0.05)
    await busy_evening(database)
    brief = bearer(Role.MANAGER, store=STORE, ttl_s=2)
    async with httpx.AsyncClient(base_url=services, timeout=10) as http:
        async with http.stream("GET", STREAM, headers=brief) as stream:
            lines = stream.aiter_lines()
            _, event, _ = await next_message(lines)
            assert event == "live.updated"
            rest = [line async for line in lines]  # ends on its own, within the timeout
        assert not [line for line in rest if line.startswith("data:")]
        assert (await http.get(STATE, headers=brief)).status_code == 401
