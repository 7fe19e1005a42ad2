"""Settlement in steps: a crash between the payment call and the stock write loses and doubles
nothing when the settlement runs again, and orders sharing products settle concurrently
without a deadlock (no product row is locked while Stripe is asked anything)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import stripe

from services.orders.consumers import settle_on_packed
from services.orders.payments.gateway import PaymentIntent, StripeGateway
from services.orders.payments.service import settle_packed
from services.orders.settings import OrdersSettings
from services.orders.stock import store as stock_store
from shared.bus import drain, publish
from shared.clock import Clock
from shared.db import connect, create_pool, init_connection
from shared.events import Bag, OrderPacked, PackedLine
from tests.eventually import eventually
from tests.integration.shopping import CABBAGE, POTATOES, SHOPPER, place_and_pay, stock

CARROTS = "SKU-10003"
STORE = "kobe-sannomiya"
API_KEY = OrdersSettings().stripe_api_key


class Crash(Exception):
    """The process died here (as far as the settlement can tell)."""


class Gateway(StripeGateway):
    """The real gateway on localstripe, counting its calls; told to, it crashes right after
    Stripe answered, before the answer is booked."""

    def __init__(self, api_base: str, *, crash_after: str | None = None):
        super().__init__(API_KEY, api_base)
        self.crash_after = crash_after
        self.calls: list[tuple[str, str]] = []

    async def _seen(self, what: str, intent: PaymentIntent) -> PaymentIntent:
        self.calls.append((what, intent.id))
        if what == self.crash_after:
            raise Crash(f"after {what}")
        return intent

    async def capture(self, intent_id: str, amount: int) -> PaymentIntent:
        return await self._seen("capture", await super().capture(intent_id, amount))

    async def charge(self, **kw) -> PaymentIntent:
        return await self._seen("charge", await super().charge(**kw))


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=8)
    yield pool
    await pool.close()


def packed(order_id: str, *lines: PackedLine) -> OrderPacked:
    bag = Bag(code=f"{order_id}-produce-1", zone="produce", number=1, of=1)
    return OrderPacked(order_id=order_id, store_id=STORE, lines=list(lines), bags=[bag])


async def ledger(pool: asyncpg.Pool, order_id: str) -> list[tuple[str, int, str]]:
    rows = await pool.fetch(
        "SELECT kind, amount, gateway_id FROM orders.payments WHERE order_id = $1"
        " ORDER BY at, kind",
        order_id,
    )
    return [(r["kind"], r["amount"], r["gateway_id"]) for r in rows]


async def taken(stripe_url: str, intent_id: str) -> int:
    """What Stripe (localstripe) kept of the PaymentIntent: captured, less refunds."""
    client = stripe.StripeClient(
        API_KEY, base_addresses={"api": stripe_url}, http_client=stripe.HTTPXClient()
    )
    intent = await client.v1.payment_intents.retrieve_async(intent_id)
    if intent.status != "succeeded":
        return 0
    back = await client.v1.refunds.list_async(params={"payment_intent": intent_id})
    return intent.amount - sum(r.amount for r in back.data)


async def test_a_crash_after_the_capture_is_settled_once_when_run_again(
    orders, database, pool, stripe_url
):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 2})
    order_id, before = view["order_id"], await stock(database, CABBAGE)
    event = packed(order_id, PackedLine(line_no=1, sku=CABBAGE, picked=2))
    crashing = Gateway(stripe_url, crash_after="capture")
    with pytest.raises(Crash):  # Stripe captured; nothing was booked or taken from stock
        await settle_packed(pool, crashing, event, at=Clock().now())
    assert await ledger(pool, order_id) == [("authorize", 396, crashing.calls[0][1])]
    assert await stock(database, CABBAGE) == before

    assert await settle_packed(pool, Gateway(stripe_url), event, at=Clock().now())
    intent = crashing.calls[0][1]
    assert await ledger(pool, order_id) == [("authorize", 396, intent), ("capture", 396, intent)]
    assert await taken(stripe_url, intent) == 396  # captured once
    assert await stock(database, CABBAGE) == (before[0] - 2, before[1] - 2)  # taken once
    again = Gateway(stripe_url)
    assert not await settle_packed(pool, again, event, at=Clock().now())  # settled: a no-op
    assert again.calls == [] and await stock(database, CABBAGE) == (before[0] - 2, before[1] - 2)


async def test_a_crash_in_the_stock_write_takes_stock_once_and_calls_stripe_no_more(
    orders, database, pool, stripe_url, monkeypatch
):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    order_id, before = view["order_id"], await stock(database, CABBAGE)
    event = packed(order_id, PackedLine(line_no=1, sku=CABBAGE, picked=1))
    take_from_stock = stock_store.take_from_stock

    async def connection_lost(conn, **kw):
        await take_from_stock(conn, **kw)  # written, then the connection dies before commit
        await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(stock_store, "take_from_stock", connection_lost)
    first = Gateway(stripe_url)
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
        await settle_packed(pool, first, event, at=Clock().now())
    assert [kind for kind, *_ in await ledger(pool, order_id)] == ["authorize", "capture"]
    assert await stock(database, CABBAGE) == before  # rolled back with the connection
    monkeypatch.setattr(stock_store, "take_from_stock", take_from_stock)

    second = Gateway(stripe_url)
    assert await settle_packed(pool, second, event, at=Clock().now())
    assert second.calls == []  # the capture was booked: the retry starts at the stock
    assert [kind for kind, *_ in await ledger(pool, order_id)] == ["authorize", "capture"]
    assert await stock(database, CABBAGE) == (before[0] - 1, before[1] - 1)
    status = await pool.fetchval("SELECT status FROM orders.orders WHERE order_id = $1", order_id)
    assert status == "packed"


async def test_a_crash_after_a_second_charge_charges_the_card_once(
    orders, database, pool, stripe_url
):
    view = await place_and_pay(orders, {"sku": POTATOES, "grams": 1000})  # 398 + 60 authorized
    event = packed(view["order_id"], PackedLine(line_no=1, sku=POTATOES, picked=1500))  # 597
    crashing = Gateway(stripe_url, crash_after="charge")
    with pytest.raises(Crash):
        await settle_packed(pool, crashing, event, at=Clock().now())
    charged_first = crashing.calls[-1][1]

    assert await settle_packed(pool, Gateway(stripe_url), event, at=Clock().now())
    booked = await ledger(pool, view["order_id"])
    assert [(kind, amount) for kind, amount, _ in booked] == [
        ("authorize", 458),
        ("capture", 458),
        ("charge", 139),
    ]
    assert booked[2][2] == charged_first  # Stripe answered the retry with the first charge
    assert await taken(stripe_url, charged_first) == 139


async def test_a_cancel_while_the_order_is_being_settled_is_refused(
    orders, database, pool, stripe_url
):
    view = await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1})
    event = packed(view["order_id"], PackedLine(line_no=1, sku=CABBAGE, picked=1))
    with pytest.raises(Crash):
        await settle_packed(
            pool, Gateway(stripe_url, crash_after="capture"), event, at=Clock().now()
        )
    cancel = await orders.post(
        f"/v1/orders/{view['order_id']}/cancel",
        json={"reason": "changed my mind"},
        headers={**SHOPPER, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert cancel.status_code == 409, cancel.text
    assert await settle_packed(pool, Gateway(stripe_url), event, at=Clock().now())


@pytest.fixture
def held_while_paying(database, monkeypatch) -> list[str]:
    """Every capture and charge, in any instance of this process (the app's own too), tries
    right after Stripe answered to lock the store's products; the calls whose try timed out,
    i.e. made by a settlement that holds product rows across the call (it waits for the call,
    so it never lets go; another's short stock write would)."""
    held: list[str] = []

    async def probe(what: str, intent: PaymentIntent) -> PaymentIntent:
        conn = await asyncpg.connect(database)
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL lock_timeout = '2s'")
                await conn.execute(
                    "SELECT 1 FROM orders.products WHERE store_id = $1 ORDER BY sku FOR UPDATE",
                    STORE,
                )
        except asyncpg.LockNotAvailableError:
            held.append(f"{what} {intent.id}")
        finally:
            await conn.close()
        return intent

    capture, charge = StripeGateway.capture, StripeGateway.charge

    async def probed_capture(self, intent_id: str, amount: int) -> PaymentIntent:
        return await probe("capture", await capture(self, intent_id, amount))

    async def probed_charge(self, **kw) -> PaymentIntent:
        return await probe("charge", await charge(self, **kw))

    monkeypatch.setattr(StripeGateway, "capture", probed_capture)
    monkeypatch.setattr(StripeGateway, "charge", probed_charge)
    return held


async def test_orders_sharing_products_settle_concurrently_without_a_deadlock(
    orders, database, stripe_url, caplog, held_while_paying
):
    """Twelve orders of two products, settled by three instances at once (the app's own
    consumer and two more, a batch of two each): the old batch transaction kept one order's
    product rows locked while it captured the next, and two batches that took the rows in
    opposite orders deadlocked. Now no product row is locked during any payment call."""
    shared = [CABBAGE, CARROTS]
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(
            "UPDATE orders.products SET on_hand = 1000 WHERE store_id = $1 AND sku = ANY($2)",
            STORE,
            shared,
        )
    finally:
        await conn.close()
    before = {sku: await stock(database, sku) for sku in shared}
    placed = []
    for i in range(12):  # cabbage, carrots, carrots, cabbage, ...: batches cross each other
        sku = shared[(i + i // 2) % 2]
        line = {"sku": sku, "quantity": 1}
        view = await place_and_pay(orders, line, accept_later_promise=True)  # one rider
        placed.append((view["order_id"], sku))

    consumer = settle_on_packed(Gateway(stripe_url))
    pools = [await create_pool(database, max_size=4) for _ in range(2)]

    async def instance(pool: asyncpg.Pool) -> None:
        async def settled() -> int:
            await drain(pool, consumer, batch_size=2)
            return await pool.fetchval(
                "SELECT count(*) FROM orders.orders WHERE status = 'packed'"
                " AND order_id = ANY($1::text[])",
                [o for o, _ in placed],
            )

        await eventually(
            settled,
            "the orders all settled",
            60,
            ok=lambda done: done == len(placed),
            every=0.01,
        )

    try:
        with caplog.at_level(logging.WARNING):
            conn = await connect(database)
            try:  # all packed at once, as on a busy evening's bus
                await init_connection(conn)
                async with conn.transaction():
                    for order_id, sku in placed:
                        line = PackedLine(line_no=1, sku=sku, picked=1)
                        await publish(conn, packed(order_id, line), occurred_at=Clock().now())
            finally:
                await conn.close()
            await asyncio.wait_for(asyncio.gather(*(instance(p) for p in pools)), 60)
    finally:
        for p in pools:
            await p.close()
    assert held_while_paying == []
    assert not [r for r in caplog.records if "deadlock" in r.getMessage().lower()]
    assert not [r for r in caplog.records if r.name == "omo.bus"], "a settlement failed"
    for sku in shared:
        sold = sum(1 for _, s in placed if s == sku)
        assert await stock(database, sku) == (before[sku][0] - sold, before[sku][1])
