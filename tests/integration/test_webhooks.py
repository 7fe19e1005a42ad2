"""Outbound webhooks: a chain's system registers an endpoint, and receives every event of an
order's life signed, each accepted once (a redelivery recognisable by its id), across a restart
of the sender; the delivery log says what happened; bad registrations are refused by field."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import uvicorn

from services.orders.webhooks.domain import OFFERED, SIGNATURE_HEADER, verify
from shared.auth import Role
from tests.e2e.processes import free_port
from tests.eventually import eventually
from tests.integration.apps import bearer, client
from tests.integration.delivering import rider_on_duty, rows
from tests.integration.shopping import CABBAGE, SHOPPER, key, place_and_pay

STORE = "kobe-sannomiya"
MANAGER = bearer(Role.MANAGER, store=STORE)


class Receiver:
    """A chain's endpoint: records every POST, answers 500 to the first `refuse` of them."""

    def __init__(self, refuse: int = 0) -> None:
        self.got: list[dict] = []
        self.refuse = refuse

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status = 500 if len(self.got) < self.refuse else 200
        self.got.append({"body": body, "headers": headers, "status": status})
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def accepted(self) -> list[dict]:
        return [json.loads(g["body"]) for g in self.got if g["status"] == 200]

    @contextmanager
    def running(self):
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(self, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}/hooks"
        finally:
            server.should_exit = True
            thread.join(10)


async def sender(database, delivery_url, stripe_url):
    return client(
        "orders",
        database,
        delivery_url=delivery_url,
        stripe_api_base=stripe_url,
        quote_timeout_s=2.0,
        webhook_send_s=0.05,
        bus_poll_seconds=0.1,
    )


async def test_every_event_of_an_order_reaches_the_endpoint_signed_once_across_a_restart(
    database, demo, delivery_url, stripe_url
):
    async with httpx.AsyncClient() as http:  # delivery knows the store before a quote
        await eventually(
            lambda: http.get(f"{delivery_url}/v1/stores/{STORE}/zone?lat=34.69&lng=135.19"),
            "delivery to know the store",
            ok=lambda r: r.status_code == 200,
        )
    await rider_on_duty(database)
    receiver = Receiver(refuse=1)  # the first POST fails: tried again, same event id
    with receiver.running() as url:
        async with await sender(database, delivery_url, stripe_url) as orders:
            bad = await orders.post(
                f"/v1/stores/{STORE}/webhooks",
                json={"url": url, "topics": ["order.placed", "order.teleported"]},
                headers={**MANAGER, **key()},
            )
            assert bad.status_code == 422 and bad.json()["field"] == "topics"
            made = await orders.post(
                f"/v1/stores/{STORE}/webhooks",
                json={"url": url, "topics": ["*"], "description": "the chain's ERP"},
                headers={**MANAGER, **key()},
            )
            assert made.status_code == 201, made.text
            endpoint, secret = made.json()["endpoint_id"], made.json()["secret"]
            order_id = (await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1}))["order_id"]
            log = f"/v1/stores/{STORE}/webhooks/{endpoint}/deliveries"

            async def refused_once():
                return (await orders.get(log, headers=MANAGER)).json()["items"]

            await eventually(
                refused_once,
                "the refused first POST in the log",
                ok=lambda d: d and d[0]["attempts"],
            )
        # The sender stops with the refused delivery waiting for its retry; another starts.
        async with await sender(database, delivery_url, stripe_url) as orders:
            [first] = (await orders.get(log, headers=MANAGER)).json()["items"]
            assert (first["topic"], first["attempts"], first["last_status"]) == (
                "order.placed",
                1,
                500,
            )
            again = await orders.post(
                f"{log}/{first['event_id']}/redeliver", json={}, headers=MANAGER
            )
            assert again.status_code == 202, again.text
            cancelled = await orders.post(f"/v1/orders/{order_id}/cancel", json={}, headers=SHOPPER)
            assert cancelled.status_code == 200, cancelled.text

            async def all_of_the_order():
                published = await rows(
                    database,
                    "SELECT id::text FROM kernel.events WHERE key = $1 AND topic = ANY($2)",
                    order_id,
                    sorted(OFFERED),
                )
                wanted = {r["id"] for r in published}
                got = [a["id"] for a in receiver.accepted()]
                return wanted if wanted and set(got) == wanted else None

            wanted = await eventually(all_of_the_order, "every event of the order", timeout=20)
            [first] = [
                d
                for d in (await orders.get(log, headers=MANAGER)).json()["items"]
                if d["event_id"] == first["event_id"]
            ]
            assert (first["attempts"], first["last_status"]) == (2, 200)
            assert first["delivered_at"] is not None and first["next_at"] is None

    accepted = receiver.accepted()
    assert sorted(a["id"] for a in accepted) == sorted(wanted)  # each accepted once
    assert {a["topic"] for a in accepted} >= {"order.placed", "order.cancelled"}
    assert all(a["store_id"] == STORE and a["data"]["order_id"] == order_id for a in accepted)
    refused, retried = (
        receiver.got[0],
        next(
            g
            for g in receiver.got[1:]
            if g["headers"]["omo-event-id"] == receiver.got[0]["headers"]["omo-event-id"]
        ),
    )
    assert refused["body"] == retried["body"]  # the same bytes, recognisable by id
    now = datetime.now(UTC)
    assert all(
        verify(secret, g["headers"][SIGNATURE_HEADER.lower()], g["body"], now) for g in receiver.got
    )
    assert not verify(
        "whsec_someone_else", retried["headers"][SIGNATURE_HEADER.lower()], retried["body"], now
    )


async def test_only_the_stores_manager_registers_and_reads_its_endpoints(orders):
    other = bearer(Role.MANAGER, store="osaka-umeda")
    body = {"url": "https://erp.example/hooks", "topics": ["order.placed"]}
    path = f"/v1/stores/{STORE}/webhooks"
    assert (await orders.post(path, json=body, headers={**other, **key()})).status_code == 403
    assert (await orders.post(path, json=body, headers={**SHOPPER, **key()})).status_code == 403
    assert (await orders.get(path, headers=other)).status_code == 403
    bad_url = {**body, "url": "ftp://erp.example"}
    refused = await orders.post(path, json=bad_url, headers={**MANAGER, **key()})
    assert refused.status_code == 400 and refused.json()["field"] == "url"
    made = await orders.post(path, json=body, headers={**MANAGER, **key()})
    listed = (await orders.get(path, headers=MANAGER)).json()["items"]
    assert [e["endpoint_id"] for e in listed] == [made.json()["endpoint_id"]]
    assert "secret" not in listed[0]
    gone = await orders.delete(f"{path}/{made.json()['endpoint_id']}", headers=MANAGER)
    assert gone.status_code == 204
    assert (await orders.get(path, headers=MANAGER)).json()["items"][0]["disabled_at"]


async def test_the_delivery_log_pages_newest_event_first(orders, database):
    body = {"url": "https://erp.example/hooks", "topics": ["order.placed"]}
    path = f"/v1/stores/{STORE}/webhooks"
    endpoint = (await orders.post(path, json=body, headers={**MANAGER, **key()})).json()
    await rows(
        database,
        "INSERT INTO orders.webhook_deliveries"
        " (store_id, endpoint_id, event_id, seq, topic, body, created_at)"
        " SELECT $1, $2, gen_random_uuid(), n, 'order.placed', '\\x7b7d', now()"
        " FROM generate_series(1, 3) AS n",
        STORE,
        endpoint["endpoint_id"],
    )
    log, seqs, cursor = f"{path}/{endpoint['endpoint_id']}/deliveries", [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await orders.get(log, params=params, headers=MANAGER)).json()
        seqs += [d["seq"] for d in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seqs == [3, 2, 1]
