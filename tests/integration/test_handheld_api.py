"""Handheld sign-in by store and PIN, live updates over Server-Sent Events, and the layout."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from services.fulfillment.batches import claiming
from services.fulfillment.handheld import api as handheld_api
from shared.clock import Clock
from shared.db import create_pool
from shared.events import SubstitutionDecided
from tests.integration.apps import client
from tests.integration.conftest import serving
from tests.integration.eventlog import next_event, next_message
from tests.integration.picking import (
    AOI,
    MANAGER,
    PRODUCTS,
    STORE,
    claim,
    command,
    emit,
    handle_all,
    line,
    paid,
    scan,
    sign_in,
)


async def test_a_picker_signs_in_with_the_store_and_their_pin(database, demo):
    await handle_all(database)  # fulfillment learns of the store from store.updated
    async with client("fulfillment", database) as c:
        r = await sign_in(c, "2222")
        assert r.status_code == 201, r.text
        assert r.json()["picker_id"] == "picker-2"
        token = {"Authorization": f"Bearer {r.json()['token']}"}
        assert (
            await c.post(
                f"/v1/stores/{STORE}/batches/claim",
                json={},
                headers={**token, "Idempotency-Key": "first-claim-0001"},
            )
        ).status_code == 200

        for _ in range(5):
            wrong = await sign_in(c, "9999", device="hh-slip")
            assert wrong.status_code == 401 and wrong.json()["field"] == "pin"
        paused = await sign_in(c, "2222", device="hh-slip")
        # Even the right PIN waits on that handheld: guessing there is paused, with a backoff.
        assert paused.status_code == 429 and paused.headers["retry-after"] == "30"
        assert paused.json()["type"] == "urn:omo:problem:too-many-attempts"
        assert (await sign_in(c, "2222", device="hh-next")).status_code == 201  # not this one
        bad = await sign_in(c, "12a4")
        assert bad.status_code == 422
        unknown = await sign_in(c, "1111", store="nowhere")
        assert unknown.status_code == 404


async def test_a_sign_in_repeated_with_its_key_answers_the_same_session(database, demo):
    await handle_all(database)
    async with client("fulfillment", database) as c:
        first = await sign_in(c, "2222", key="sign-in-0001")
        again = await sign_in(c, "2222", key="sign-in-0001")
        other_pin = await sign_in(c, "1111", key="sign-in-0001")
        keyless = await c.post("/v1/handheld/sessions", json={"store_id": STORE, "pin": "2222"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the same token: no second session was made
    assert again.headers["idempotent-replayed"] == "true"
    assert other_pin.status_code == 422 and other_pin.json()["field"] == "Idempotency-Key"
    assert keyless.status_code == 400 and keyless.json()["field"] == "Idempotency-Key"


async def test_the_manager_sets_pins_and_no_two_pickers_share_one(database, demo):
    await handle_all(database)
    async with client("fulfillment", database) as c:
        url = f"/v1/stores/{STORE}/pickers/picker-9"
        r = await c.put(url, json={"name": "Sora Abe", "pin": "4321"}, headers=MANAGER)
        assert r.status_code == 200
        taken = await c.put(url, json={"name": "Sora Abe", "pin": "1111"}, headers=MANAGER)
        assert taken.status_code == 409 and taken.json()["field"] == "pin"
        assert (await c.put(url, json={"name": "x", "pin": "1"}, headers=AOI)).status_code == 403
        r = await sign_in(c, "4321")
        assert r.json()["name"] == "Sora Abe"


async def test_the_manager_moves_a_product_and_the_walk_follows(database, demo):
    await handle_all(database)  # fulfillment learns of the store from store.updated
    async with client("fulfillment", database) as c:
        url = f"/v1/stores/{STORE}/layout"
        moved = {"sku": "SKU-10001", "zone": "produce", "aisle": 2, "bay": 9, "shelf": 1}
        r = await c.put(url, json={"bins": [moved]}, headers=MANAGER)
        assert r.status_code == 200
        assert moved in r.json()["items"]
        twice = await c.put(url, json={"bins": [moved, moved]}, headers=MANAGER)
        assert twice.status_code == 422 and twice.json()["field"] == "bins[1].sku"
        bad = await c.put(url, json={"bins": [{**moved, "aisle": 0}]}, headers=MANAGER)
        assert bad.status_code == 400 and bad.json()["field"] == "bins[0].aisle"
        bare = await c.put(url, json=[moved], headers=MANAGER)
        assert bare.status_code == 400


async def test_a_decision_reaches_the_pickers_screen_live(database, demo):
    order_id = await paid(database, line(1, "SKU-10001", 2, substitution="any"))
    with (
        serving("orders", database_url=database, bus_poll_seconds=60) as orders_url,
        serving(
            "fulfillment", database_url=database, bus_poll_seconds=0.1, orders_url=orders_url
        ) as url,
    ):
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            batch = await claim(http)
            line_id = batch["current"]["line_id"]
            short = await http.post(
                f"/v1/batches/{batch['batch_id']}/lines/{line_id}/short",
                json={"found": 0},
                headers=command(),
            )
            proposal = short.json()["proposed"]["substitution_id"]
            async with http.stream("GET", "/v1/handheld/events", headers=AOI) as stream:
                lines = stream.aiter_lines()
                assert (await next_event(lines, "hello"))["data"]["picker_id"] == "picker-1"
                received = asyncio.create_task(next_event(lines, "substitution"))
                await emit(
                    database,
                    SubstitutionDecided(
                        substitution_id=proposal,
                        order_id=order_id,
                        store_id=STORE,
                        line_no=1,
                        approved=False,
                        by="shopper",
                    ),
                )
                event = await asyncio.wait_for(received, 10)
    decision = event["data"]  # in the public envelope
    assert decision["approved"] is False and decision["batch_id"] == batch["batch_id"]
    assert decision["line_id"] == line_id and "declined" in decision["message"]


ENVELOPE = {"id", "seq", "topic", "occurred_at", "store_id", "data"}  # the bus's, the webhooks'


async def urgent(database: str) -> str:
    """A paid order due in 3 minutes: an `urgent` message for the store's screens; its id."""
    return await paid(database, line(1, "SKU-10001"), due_in=timedelta(minutes=3))


async def test_a_handheld_that_reconnects_is_sent_what_it_missed_once(database, demo):
    await handle_all(database)  # fulfillment learns of the store from store.updated
    before = await urgent(database)  # old news to a screen that opens later
    with serving("fulfillment", database_url=database) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            async with http.stream("GET", "/v1/handheld/events", headers=AOI) as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == "retry: 3000"
                opened, event, hello = await next_message(lines)
                assert event == "hello" and hello["seq"] is None  # a state, no entry of a log
                assert hello["data"] == {"picker_id": "picker-1", "store_id": STORE}
                first = await urgent(database)
                seen, topic, envelope = await next_message(lines)
            assert topic == "urgent" and envelope["data"]["order_id"] == first  # not `before`
            assert seen == str(envelope["seq"]) and int(seen) > int(opened or "")
            assert envelope["store_id"] == STORE and set(envelope) == ENVELOPE

            missed = [await urgent(database), await urgent(database)]
            for resume in (
                {"headers": {**AOI, "Last-Event-ID": seen}},
                {"headers": AOI, "params": {"last_event_id": seen}},
            ):
                async with http.stream("GET", "/v1/handheld/events", **resume) as stream:
                    lines = stream.aiter_lines()
                    hello_id, event, _ = await next_message(lines)
                    assert (hello_id, event) == (seen, "hello")
                    got = [await next_message(lines) for _ in missed]
                    assert [m[2]["data"]["order_id"] for m in got] == missed
                    assert [m[0] for m in got] == [str(m[2]["seq"]) for m in got]
            # EventSource reconnects to the URL it opened with a newer id in the header: it wins.
            newer = {
                "headers": {**AOI, "Last-Event-ID": got[-1][0]},
                "params": {"last_event_id": seen},
            }
            async with http.stream("GET", "/v1/handheld/events", **newer) as stream:
                lines = stream.aiter_lines()
                assert (await next_message(lines))[1] == "hello"
                later = await urgent(database)
                _, _, envelope = await next_message(lines)  # live now, nothing twice before it
                assert envelope["data"]["order_id"] == later
    assert before not in {first, *missed, later}


async def test_a_lease_running_out_is_a_message_in_the_envelope_with_the_streams_id(
    database, demo, monkeypatch
):
    monkeypatch.setattr(handheld_api, "IDLE_S", 0.1)
    await paid(database, line(1, "SKU-10001"))
    with serving("fulfillment", database_url=database, lease_s=10) as url:  # inside the warning
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            batch = await claim(http)
            async with http.stream("GET", "/v1/handheld/events", headers=AOI) as stream:
                lines = stream.aiter_lines()
                opened, event, _ = await next_message(lines)
                assert event == "hello"
                seen, event, warning = await next_message(lines)
    assert (seen, event) == (opened, "lease")  # resuming from it misses nothing of the log
    assert warning["seq"] is None and warning["store_id"] == STORE
    assert warning["data"]["batch_id"] == batch["batch_id"]
    assert 0 <= warning["data"]["seconds_left"] <= 10


async def test_a_handheld_resuming_from_an_id_the_store_never_sent_is_told(database, demo):
    await handle_all(database)
    with serving("fulfillment", database_url=database) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            path = "/v1/handheld/events"
            word = await http.get(path, headers={**AOI, "Last-Event-ID": "yesterday"})
            ahead = await http.get(path, headers=AOI, params={"last_event_id": str(10**12)})
    assert word.status_code == 422 and word.json()["field"] == "Last-Event-ID"
    assert word.headers["content-type"] == "application/problem+json"
    assert ahead.status_code == 422 and ahead.json()["field"] == "last_event_id"


async def test_a_silent_handheld_loses_its_batch_to_the_sweep(database, demo):
    await paid(database, line(1, "SKU-10001"))
    async with client("fulfillment", database, lease_s=5) as c:
        batch = await claim(c)
        assert (await scan(c, batch, PRODUCTS["SKU-10001"].ean, 1)).status_code == 200
    later = Clock(wall=lambda: time.time() + 3600)  # an hour on: the lease ran out long ago
    pool = await create_pool(database)
    try:
        assert await claiming.lapse_everywhere(pool, later) == 1
        assert await claiming.lapse_everywhere(pool, later) == 0
    finally:
        await pool.close()
    async with client("fulfillment", database) as c:
        r = await c.get(f"/v1/batches/{batch['batch_id']}", headers=command())
        assert r.status_code == 409 and r.json()["type"].endswith("lease-lapsed")
