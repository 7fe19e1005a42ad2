"""Deliveries: orders become deliveries from the bus, riders take a route's bags out and hand
each order over (or report why not), shoppers follow their order, managers see the board."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.delivery.deliveries import api as deliveries_api
from shared.auth import Role
from shared.events import (
    DeliveryFailed,
    OrderCancelled,
    OrderDelivered,
    OrderOutForDelivery,
)
from tests.integration.apps import bearer, client, metric
from tests.integration.conftest import serving
from tests.integration.delivering import (
    MANAGER,
    MEMBER,
    RIDER_1,
    RIDER_2,
    SHOPPER,
    STORE,
    assign_route,
    bag_codes,
    command,
    emit,
    handle_delivery,
    packed,
    placed,
    ready_orders,
    rows,
    wake_ups,
)
from tests.integration.eventlog import next_event, next_message, published

DELIVERY = "SELECT * FROM delivery.deliveries WHERE order_id = $1"


@pytest.fixture
async def c(database, demo):
    await handle_delivery(database)  # delivery learns of the store from store.updated
    async with client("delivery", database, bus_poll_seconds=60) as c:
        yield c


async def pickup(c, route_id: str, bags: list[str], who: dict = RIDER_1, key: str | None = None):
    return await c.post(
        f"/v1/routes/{route_id}/pickup", json={"bags": bags}, headers=command(who, key)
    )


async def deliver(c, order_id: str, body: dict, who: dict = RIDER_1, key: str | None = None):
    return await c.post(
        f"/v1/deliveries/{order_id}/delivered", json=body, headers=command(who, key)
    )


async def code_of(database: str, order_id: str) -> str:
    [row] = await rows(database, DELIVERY, order_id)
    return row["handover_code"]


async def out_route(c, database, count: int = 2) -> tuple[str, list[str]]:
    """A route of `count` orders for rider-1, its bags taken out."""
    orders = await ready_orders(database, count)
    route_id = await assign_route(database, "rider-1", orders)
    r = await pickup(c, route_id, [b for o in orders for b in bag_codes(o)])
    assert r.status_code == 200, r.text
    return route_id, orders


async def test_a_delivery_order_waits_for_its_bags_then_is_ready(c, database):
    order = placed()
    await emit(database, order)
    [row] = await rows(database, DELIVERY, order.order_id)
    assert row["status"] == "waiting" and row["member_id"] == MEMBER
    assert row["address_text"] == "Door 1, Kobe" and row["promise_at"] == order.promise_at
    assert len(row["handover_code"]) == 4 and row["handover_code"].isdigit()

    async with wake_ups(database) as heard:
        await emit(database, packed(order.order_id, ["chilled", "ambient"]))
    assert heard == [STORE]
    [row] = await rows(database, DELIVERY, order.order_id)
    assert row["status"] == "ready" and row["bags"] == 2 and row["ready_at"] is not None
    bags = await rows(
        database, "SELECT code FROM delivery.bags WHERE order_id = $1", order.order_id
    )
    assert sorted(b["code"] for b in bags) == sorted(
        bag_codes(order.order_id, ["chilled", "ambient"])
    )

    # The same events again (a republished copy): nothing changes, the code stays.
    await emit(database, order, packed(order.order_id, ["chilled", "ambient"]))
    assert await rows(database, DELIVERY, order.order_id) == [row]
    assert len(await rows(database, "SELECT * FROM delivery.bags")) == 2
    [backlog] = await rows(database, "SELECT * FROM delivery.backlog")
    assert backlog["order_id"] == order.order_id  # still to get out of the door


async def test_a_pickup_order_leaves_the_backlog_when_packed(c, database):
    order = placed(fulfilment="pickup")
    await emit(database, order)
    assert len(await rows(database, "SELECT * FROM delivery.backlog")) == 1
    await emit(database, packed(order.order_id))
    assert not await rows(database, "SELECT * FROM delivery.backlog")
    assert not await rows(database, "SELECT * FROM delivery.deliveries")


async def test_a_cancelled_order_leaves_its_route_and_an_empty_route_is_cancelled(c, database):
    first, second, waiting = await ready_orders(database, 3)
    await assign_route(database, "rider-1", [first, second])
    async with wake_ups(database) as heard:
        await emit(database, OrderCancelled(order_id=first, store_id=STORE, reason="shopper"))
    assert heard == [STORE]  # the rider has room again
    [row] = await rows(database, DELIVERY, first)
    assert row["status"] == "cancelled" and row["done_at"] is not None
    stops = await rows(database, "SELECT order_id FROM delivery.route_stops")
    assert stops == [{"order_id": second}]
    route = await c.get("/v1/riders/me/route", headers=RIDER_1)
    assert [s["order_id"] for s in route.json()["stops"][1:]] == [second]
    assert route.json()["stops"][0]["bags"] == bag_codes(second)

    await emit(database, OrderCancelled(order_id=second, store_id=STORE, reason="shopper"))
    [route_row] = await rows(database, "SELECT status FROM delivery.routes")
    assert route_row["status"] == "cancelled"
    assert (await c.get("/v1/riders/me/route", headers=RIDER_1)).status_code == 404

    await emit(database, OrderCancelled(order_id=waiting, store_id=STORE, reason="shopper"))
    assert (await rows(database, DELIVERY, waiting))[0]["status"] == "cancelled"


async def test_an_order_out_with_its_rider_is_not_cancelled(c, database):
    _, [order_id] = await out_route(c, database, 1)
    await emit(database, OrderCancelled(order_id=order_id, store_id=STORE, reason="late"))
    assert (await rows(database, DELIVERY, order_id))[0]["status"] == "out"
    assert len(await rows(database, "SELECT * FROM delivery.route_stops")) == 1


async def test_the_rider_takes_out_exactly_the_routes_bags(c, database):
    first, second, stranger = await ready_orders(database, 3)
    etas = [datetime.now(UTC) + timedelta(minutes=m) for m in (9, 14)]
    route_id = await assign_route(database, "rider-1", [first, second], etas=etas)
    every = bag_codes(first) + bag_codes(second)

    foreign = await pickup(c, route_id, [*every, bag_codes(stranger)[0]])
    assert foreign.status_code == 422 and foreign.json()["field"] == "bags[2]"
    assert bag_codes(stranger)[0] in foreign.json()["detail"]
    missing = await pickup(c, route_id, bag_codes(first))
    assert missing.status_code == 422 and missing.json()["field"] == "bags"
    assert missing.json()["missing"] == bag_codes(second)
    not_yours = await pickup(c, route_id, every, who=RIDER_2)
    assert not_yours.status_code == 403 and not_yours.json()["field"] == "route_id"
    elsewhere = bearer(Role.RIDER, store="osaka-umeda", subject="rider-1")
    assert (await pickup(c, route_id, every, who=elsewhere)).status_code == 404
    assert (await pickup(c, "rte_nowhere", every)).status_code == 404
    assert (await pickup(c, route_id, every, who=MANAGER)).status_code == 403
    # Nothing was applied by any refusal.
    [route] = await rows(database, "SELECT status, picked_up_at FROM delivery.routes")
    assert route == {"status": "assigned", "picked_up_at": None}
    assert not await published(database, "order.out_for_delivery", OrderOutForDelivery)

    r = await pickup(c, route_id, [*reversed(every), every[0]], key="pickup-key-0001")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "out" and r.json()["stops"][0]["status"] == "done"
    assert [s["status"] for s in r.json()["stops"][1:]] == ["out", "out"]
    events = await published(database, "order.out_for_delivery", OrderOutForDelivery)
    assert [(e.order_id, e.eta, e.rider_id, e.route_id) for e in events] == [
        (first, etas[0], "rider-1", route_id),
        (second, etas[1], "rider-1", route_id),
    ]
    for order_id in (first, second):
        [row] = await rows(database, DELIVERY, order_id)
        assert row["status"] == "out" and row["out_at"] is not None
    backlog = await rows(database, "SELECT order_id FROM delivery.backlog")
    assert backlog == [{"order_id": stranger}]  # the two left the store

    replay = await pickup(c, route_id, [*reversed(every), every[0]], key="pickup-key-0001")
    assert replay.status_code == 200 and replay.json() == r.json()
    again = await pickup(c, route_id, every)
    assert again.status_code == 409
    assert len(await published(database, "order.out_for_delivery", OrderOutForDelivery)) == 2


async def test_an_order_is_handed_over_against_its_code_or_a_photo(c, database):
    on_time = await metric(c, "omo_handovers_total", store=STORE, outcome="on_time")
    _, (first, second) = await out_route(c, database)
    code = await code_of(database, first)
    wrong = str((int(code) + 1) % 10_000).zfill(4)

    refused = await deliver(c, first, {"code": wrong})
    assert refused.status_code == 422 and refused.json()["field"] == "code"
    assert code not in json.dumps(refused.json())
    both = await deliver(c, first, {"code": code, "photo_ref": "photo-1"})
    assert both.status_code == 422
    assert (await deliver(c, first, {})).status_code == 422
    assert (await deliver(c, first, {"code": code}, who=RIDER_2)).status_code == 403
    assert (await deliver(c, "ord_nowhere", {"code": code})).status_code == 404
    assert (await rows(database, DELIVERY, first))[0]["status"] == "out"
    assert not await published(database, "order.delivered", OrderDelivered)

    r = await deliver(c, first, {"code": code}, key="deliver-key-0001")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "delivered"
    assert (r.json()["route_status"], r.json()["stops_left"]) == ("out", 1)
    assert (await deliver(c, first, {"code": code}, key="deliver-key-0001")).json() == r.json()
    assert (await deliver(c, first, {"code": code})).status_code == 409  # delivered already

    async with wake_ups(database) as heard:
        last = await deliver(c, second, {"photo_ref": "s3://proofs/door-2.jpg"})
    assert last.status_code == 200, last.text
    assert (last.json()["route_status"], last.json()["stops_left"]) == ("done", 0)
    assert heard == [STORE]  # the rider is free for the next route
    [row] = await rows(database, DELIVERY, second)
    assert (row["status"], row["proof"], row["photo_ref"]) == (
        "delivered",
        "photo",
        "s3://proofs/door-2.jpg",
    )
    events = await published(database, "order.delivered", OrderDelivered)
    assert [(e.order_id, e.proof, e.photo_ref) for e in events] == [
        (first, "code", None),
        (second, "photo", "s3://proofs/door-2.jpg"),
    ]
    [route] = await rows(database, "SELECT status, done_at FROM delivery.routes")
    assert route["status"] == "done" and route["done_at"] is not None
    assert (await c.get("/v1/riders/me/route", headers=RIDER_1)).status_code == 404
    after = await metric(c, "omo_handovers_total", store=STORE, outcome="on_time")
    assert after - on_time == 2  # the operator's count of doors reached by the promise


async def test_after_five_wrong_codes_only_a_photo_hands_an_order_over(c, database):
    _, (order,) = await out_route(c, database, 1)
    code = await code_of(database, order)
    wrong = str((int(code) + 1) % 10_000).zfill(4)
    for _ in range(5):
        assert (await deliver(c, order, {"code": wrong})).status_code == 422
    guessed = await deliver(c, order, {"code": code})  # even the right one: guessing must stop
    assert guessed.status_code == 429 and "photo" in guessed.json()["detail"]
    photo = await deliver(c, order, {"photo_ref": "s3://proofs/door.jpg"})
    assert photo.status_code == 200 and photo.json()["status"] == "delivered"


async def test_a_wrong_code_is_counted_but_its_idempotency_key_may_be_used_again(c, database):
    _, (order,) = await out_route(c, database, 1)
    code = await code_of(database, order)
    wrong = str((int(code) + 1) % 10_000).zfill(4)
    refused = await deliver(c, order, {"code": wrong}, key="deliver-key-0002")
    assert refused.status_code == 422 and refused.json()["field"] == "code"
    assert len(await rows(database, "SELECT * FROM delivery.code_failures")) == 1
    # The refusal committed its count, not the key: the corrected retry is not a reused key.
    right = await deliver(c, order, {"code": code}, key="deliver-key-0002")
    assert right.status_code == 200 and right.json()["status"] == "delivered"


async def test_only_an_order_out_on_your_route_is_handed_over(c, database):
    [assigned] = await ready_orders(database, 1)
    await assign_route(database, "rider-1", [assigned])
    not_out = await deliver(c, assigned, {"code": await code_of(database, assigned)})
    assert not_out.status_code == 409 and "scan" in not_out.json()["detail"]
    [ready] = await ready_orders(database, 1)
    nobodys = await deliver(c, ready, {"code": await code_of(database, ready)})
    assert nobodys.status_code == 403 and ready in nobodys.json()["detail"]
    assert nobodys.json()["field"] == "order_id"
    failed = await c.post(
        f"/v1/deliveries/{ready}/failed", json={"reason": "not_home"}, headers=command(RIDER_1)
    )
    assert failed.status_code == 403
    assert not await published(database, "delivery.failed", DeliveryFailed)


async def test_a_failed_delivery_goes_back_to_the_store_with_its_reason(c, database):
    failures = await metric(c, "omo_handovers_total", store=STORE, outcome="failed")
    _, (first, second) = await out_route(c, database)
    url = f"/v1/deliveries/{first}/failed"
    bad = await c.post(url, json={"reason": "lazy"}, headers=command(RIDER_1))
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    async with wake_ups(database) as heard:
        r = await c.post(
            url, json={"reason": "not_home", "note": "rang twice"}, headers=command(RIDER_1)
        )
    assert r.status_code == 200, r.text
    assert heard == [STORE]
    assert (r.json()["status"], r.json()["route_status"]) == ("failed", "out")
    [row] = await rows(database, DELIVERY, first)
    assert (row["status"], row["failure_reason"]) == ("failed", "not_home")
    [event] = await published(database, "delivery.failed", DeliveryFailed)
    assert (event.order_id, event.reason, event.note) == (first, "not_home", "rang twice")
    again = await c.post(url, json={"reason": "refused"}, headers=command(RIDER_1))
    assert again.status_code == 409

    r = await c.post(
        f"/v1/deliveries/{second}/failed", json={"reason": "damaged"}, headers=command(RIDER_1)
    )
    assert r.json()["route_status"] == "done"
    assert await metric(c, "omo_handovers_total", store=STORE, outcome="failed") == failures + 2


async def test_the_shopper_follows_their_order_to_the_door(c, database):
    first, second = await ready_orders(database, 2)
    track = f"/v1/orders/{second}/tracking"
    r = await c.get(track, headers=SHOPPER)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready" and r.json()["eta"] is None
    assert r.json()["rider"] is None and r.json()["stops_before_yours"] is None
    assert r.json()["handover_code"] == await code_of(database, second)

    someone_else = bearer(Role.SHOPPER, member="mem_someone_else")
    assert (await c.get(track, headers=someone_else)).status_code == 404
    assert (await c.get("/v1/orders/ord_nowhere/tracking", headers=SHOPPER)).status_code == 404
    assert (await c.get(track, headers=RIDER_1)).status_code == 403

    etas = [datetime.now(UTC) + timedelta(minutes=m) for m in (6, 11)]
    route_id = await assign_route(database, "rider-1", [first, second], etas=etas)
    r = await c.get(track, headers=SHOPPER)
    assert r.json()["status"] == "assigned" and r.json()["stops_before_yours"] == 1
    assert datetime.fromisoformat(r.json()["eta"]) == etas[1]
    assert r.json()["rider"] is None  # not out yet

    await c.post(
        "/v1/riders/me/shift", json={"store_id": STORE, "action": "start"}, headers=command(RIDER_1)
    )
    at = datetime.now(UTC).isoformat()
    await c.post(
        "/v1/riders/me/location",
        json={"pings": [{"lat": 34.696, "lng": 135.194, "at": at}]},
        headers=RIDER_1,
    )
    assert (await pickup(c, route_id, bag_codes(first) + bag_codes(second))).status_code == 200
    r = await c.get(track, headers=SHOPPER)
    assert r.json()["status"] == "out"
    assert r.json()["rider"] == {
        "name": "Haruto Sato",
        "lat": 34.696,
        "lng": 135.194,
        "located_at": at.replace("+00:00", "Z"),
    }
    code = await code_of(database, first)
    assert (await deliver(c, first, {"code": code})).status_code == 200
    assert (await c.get(track, headers=SHOPPER)).json()["stops_before_yours"] == 0


async def test_the_tracking_stream_sends_each_change_until_the_order_arrives(
    database, demo, monkeypatch
):
    monkeypatch.setattr(deliveries_api, "POLL_S", 0.05)
    await handle_delivery(database)
    [order_id] = await ready_orders(database, 1)
    route_id = await assign_route(database, "rider-1", [order_id])
    with serving("delivery", database_url=database, bus_poll_seconds=60) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            nowhere = await http.get("/v1/orders/ord_nowhere/tracking/stream", headers=SHOPPER)
            assert nowhere.status_code == 404
            async with http.stream(
                "GET", f"/v1/orders/{order_id}/tracking/stream", headers=SHOPPER
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                first = await next_event(lines, "tracking.updated")
                assert first["data"]["status"] == "assigned"
                assert first["seq"] is None and first["store_id"] == STORE  # a state, enveloped
                assert (await pickup(http, route_id, bag_codes(order_id))).status_code == 200
                assert (await next_event(lines, "tracking.updated"))["data"]["status"] == "out"
                code = await code_of(database, order_id)
                assert (await deliver(http, order_id, {"code": code})).status_code == 200
                last = (await next_event(lines, "tracking.updated"))["data"]
                assert last["status"] == "delivered"
                assert last["handover_code"] is None and last["rider"] is None
                rest = [line async for line in lines]  # the stream ends with the delivery
    assert not [line for line in rest if line.startswith("data:")]


async def test_a_tracking_stream_resumed_with_its_last_id_sends_only_what_is_newer(
    database, demo, monkeypatch
):
    monkeypatch.setattr(deliveries_api, "POLL_S", 0.05)
    await handle_delivery(database)
    [order_id] = await ready_orders(database, 1)
    route_id = await assign_route(database, "rider-1", [order_id])
    path = f"/v1/orders/{order_id}/tracking/stream"
    with serving("delivery", database_url=database, bus_poll_seconds=60) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            async with http.stream("GET", path, headers=SHOPPER) as stream:
                seen, _, state = await next_message(stream.aiter_lines())
            assert state["data"]["status"] == "assigned"
            resumed = {**SHOPPER, "Last-Event-ID": seen}
            async with http.stream("GET", path, headers=resumed) as stream:
                lines = stream.aiter_lines()
                assert (await pickup(http, route_id, bag_codes(order_id))).status_code == 200
                newer, _, state = await next_message(lines)  # not the state it had
            assert state["data"]["status"] == "out" and newer != seen
            stale = {**SHOPPER, "Last-Event-ID": seen}  # the client missed "out"
            async with http.stream("GET", path, headers=stale) as stream:
                again, _, state = await next_message(stream.aiter_lines())
            assert (again, state["data"]["status"]) == (newer, "out")
            # An id it never sent is no error for a state: the client gets the current one.
            unknown = {"last_event_id": "not-one-of-ours"}
            async with http.stream("GET", path, headers=SHOPPER, params=unknown) as stream:
                current, _, state = await next_message(stream.aiter_lines())
            assert (current, state["data"]["status"]) == (newer, "out")


async def test_the_manager_sees_riders_deliveries_and_the_dispatchers_alert(c, database):
    await c.post(
        "/v1/riders/me/shift", json={"store_id": STORE, "action": "start"}, headers=command(RIDER_1)
    )
    await c.post(
        "/v1/riders/me/shift", json={"store_id": STORE, "action": "start"}, headers=command(RIDER_2)
    )
    first, second = await ready_orders(database, 2)
    late = placed(due_in=timedelta(minutes=-1))
    await emit(database, late)
    route_id = await assign_route(database, "rider-1", [first])
    board = f"/v1/stores/{STORE}/dispatch"

    r = await c.get(board, headers=MANAGER)
    assert r.status_code == 200, r.text
    view = r.json()
    assert [(x["rider_id"], x["route_id"], x["stops_left"]) for x in view["riders"]] == [
        ("rider-1", route_id, 1),
        ("rider-2", None, 0),
    ]
    assert [(d["order_id"], d["status"]) for d in view["deliveries"]] == [
        (late.order_id, "waiting"),
        (first, "assigned"),
        (second, "ready"),
    ]
    assert [d["late"] for d in view["deliveries"]] == [True, False, False]
    assert view["late"] == 1 and view["last_run"] is None and view["alert"] is None

    await rows(
        database,
        "INSERT INTO delivery.dispatch_runs (store_id, at, solver, solve_s, ready_orders,"
        " free_riders, committed, held, late_orders, lateness_s, unassigned, owner)"
        " VALUES ($1, now(), 'ortools', 0.4, 3, 1, 1, 0, 2, 420, 1, 'test') RETURNING store_id",
        STORE,
    )
    seen = (await c.get(board, headers=MANAGER)).json()
    assert seen["last_run"]["late_orders"] == 2 and seen["last_run"]["owner"] == "test"
    assert (
        seen["alert"]
        == "2 orders will miss the promise (7 min late in total); 1 ready order has no rider"
    )

    assert (await c.get(board, headers=RIDER_1)).status_code == 403
    assert (
        await c.get(board, headers=bearer(Role.MANAGER, store="osaka-umeda"))
    ).status_code == 403
    nowhere = bearer(Role.MANAGER, store="nowhere")
    assert (await c.get("/v1/stores/nowhere/dispatch", headers=nowhere)).status_code == 404


async def test_a_quote_for_an_unknown_store_is_not_found(c):
    shopper = bearer(Role.SHOPPER, member=MEMBER)
    unknown = {"store_id": "nowhere", "lat": 34.69, "lng": 135.19}
    r = await c.post("/v1/quotes", json=unknown, headers=shopper)
    assert r.status_code == 404 and r.json()["field"] == "store_id"
    off_map = {"store_id": STORE, "lat": 95, "lng": 135.19}
    bad = await c.post("/v1/quotes", json=off_map, headers=shopper)
    assert bad.status_code == 400 and bad.json()["field"] == "lat"
