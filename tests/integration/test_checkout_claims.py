"""A checkout claims its stock before it asks for a promise (issue 19 part 4): a sold-out sku is
refused at once, even while the checkout that took the last unit is still being quoted, and a
claim no order took is given back: by the checkout that failed, or by the sweep once it expires
if that checkout died."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import httpx
import msgspec

from services.orders.checkout import cancelling, placing, service
from services.orders.checkout import store as checkout
from services.orders.checkout.domain import OrderRequest
from services.orders.checkout.quotes import QuoteClient
from services.orders.payments.gateway import PaymentIntent, StripeGateway
from shared.auth import Role, service_token
from shared.clock import Clock
from shared.settings import DEV_JWT_SECRET
from shared.web.idempotency import TTL, FirstAnswer, KeyOf
from tests.eventually import eventually
from tests.integration.apps import bearer
from tests.integration.conftest import serving
from tests.integration.shopping import CABBAGE, SHOPPER, key, order, stripe_side
from tests.integration.shopping import stock as counts

STORE = "kobe-sannomiya"
LEFT = "UPDATE orders.products SET on_hand = $3, reserved = 0 WHERE store_id = $1 AND sku = $2"
CLAIMS = "SELECT count(*) FROM orders.stock_claims"


@asynccontextmanager
async def silent_delivery() -> AsyncIterator[str]:
    """A delivery service that takes the quote's connection and never answers: a quote that
    takes until the client's timeout."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.close()
        server.close()


def later_by(minutes: int) -> Clock:
    later = Clock()
    later.now = lambda: Clock().now() + timedelta(minutes=minutes)  # type: ignore[method-assign]
    return later


async def test_a_sold_out_sku_is_refused_while_the_last_unit_is_still_being_quoted(
    database, demo, stripe_url, pool
):
    await pool.execute(LEFT, STORE, CABBAGE, 1)
    async with silent_delivery() as delivery_url:
        with serving(
            "orders",
            database_url=database,
            delivery_url=delivery_url,
            stripe_api_base=stripe_url,
            quote_timeout_s=5.0,
        ) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                basket = order({"sku": CABBAGE, "quantity": 1})

                async def checkout(member: str) -> httpx.Response:
                    headers = {**bearer(Role.SHOPPER, member=member), **key()}
                    return await http.post("/v1/orders", json=basket, headers=headers)

                first = asyncio.create_task(checkout("mem_first"))
                await eventually(lambda: pool.fetchval(CLAIMS), "the first checkout's claim")
                refused = await checkout("mem_second")
                assert not first.done()  # still waiting for its promise
                unpromised = await first
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "lines[0].sku"
    assert CABBAGE in refused.json()["detail"]
    assert unpromised.status_code == 422
    assert unpromised.json()["type"].endswith("no-promise")
    assert await counts(database, CABBAGE) == (1, 0)  # the claim was given back
    assert await pool.fetchval(CLAIMS) == 0


async def test_a_claim_whose_checkout_died_is_given_back_when_it_expires(database, demo, pool):
    await pool.execute(LEFT, STORE, CABBAGE, 5)
    async with pool.acquire() as conn:
        _, offered = await checkout.offer(
            conn,
            store_id=STORE,
            claim_id="clm_died",
            wanted={CABBAGE: 2},
            expires_at=Clock().now() + timedelta(seconds=service.CLAIM_S),
        )
    assert offered is not None and offered.short == []  # claimed
    assert await counts(database, CABBAGE) == (5, 2)
    assert await cancelling.expire_claims(pool, Clock()) == 0  # not yet
    assert await cancelling.expire_claims(pool, later_by(2)) == 1
    assert await counts(database, CABBAGE) == (5, 0)
    assert await pool.fetchval(CLAIMS) == 0


async def test_an_order_whose_claim_expired_first_reserves_afresh(
    database, demo, delivery_url, pool
):
    pickup = order({"sku": CABBAGE, "quantity": 2}, fulfilment="pickup", address=None)
    quotes = QuoteClient(delivery_url, service_token(DEV_JWT_SECRET, "orders"), timeout_s=5)
    try:
        await pool.execute(LEFT, STORE, CABBAGE, 5)
        offer = await service.offer(pool, quotes, Clock(), msgspec.convert(pickup, OrderRequest))
        assert await counts(database, CABBAGE) == (5, 2)
        assert await cancelling.expire_claims(pool, later_by(2)) == 1  # a slow checkout's claim
        assert await counts(database, CABBAGE) == (5, 0)
        async with placing.placing(pool, offer) as conn:
            placed = await placing.place(
                conn, Clock(), offer, member_id="mem_test_1", key="k-slow", claimed=True
            )
        assert placed.order_id.startswith("ord_")
        assert await counts(database, CABBAGE) == (5, 2)
        assert await pool.fetchval(CLAIMS) == 0
    finally:
        await quotes.aclose()


async def test_a_repeat_of_the_checkout_that_took_the_last_unit_replays_its_order(
    orders, database, pool
):
    await pool.execute(LEFT, STORE, CABBAGE, 1)
    basket = order({"sku": CABBAGE, "quantity": 1}, fulfilment="pickup", address=None)
    headers = {**SHOPPER, **key()}
    first = await orders.post("/v1/orders", json=basket, headers=headers)
    again = await orders.post("/v1/orders", json=basket, headers=headers)
    other = await orders.post("/v1/orders", json=basket, headers={**SHOPPER, **key()})
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["order_id"] == first.json()["order_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409  # sold out to anyone else
    assert await counts(database, CABBAGE) == (1, 1)


async def at_once(
    pool: asyncpg.Pool, gateway: StripeGateway, offer: service.Offer, *, key: str
) -> tuple[object, PaymentIntent | None]:
    """`place_at_once` for mem_test_1: what it answered, and the PaymentIntent it made as
    Stripe holds it after."""
    made: list[str] = []

    async def answer(new: placing.NewOrder) -> FirstAnswer:
        assert new.order.payment_intent_id is not None
        made.append(new.order.payment_intent_id)
        return FirstAnswer(
            key=KeyOf("orders", "mem_test_1", key),
            fingerprint=b"test",
            ttl=TTL,
            status=201,
            body=b"{}",
        )

    outcome = await placing.place_at_once(
        pool, gateway, Clock(), offer, member_id="mem_test_1", key=key, answer=answer
    )
    return outcome, await gateway.retrieve(made[0])


@asynccontextmanager
async def checking_out(
    quoting: str, stripe_url: str
) -> AsyncIterator[tuple[QuoteClient, StripeGateway]]:
    quotes = QuoteClient(quoting, service_token(DEV_JWT_SECRET, "orders"), timeout_s=5)
    try:
        yield quotes, stripe_side(stripe_url)
    finally:
        await quotes.aclose()


async def test_a_key_stored_meanwhile_stores_no_second_order_and_voids_its_intent(
    orders, database, quoting, stripe_url, pool
):
    """Two requests with one key that both found it unstored: the one whose statement comes
    second writes nothing, its PaymentIntent is cancelled, and its claim stays held for the
    transaction that replays the first's answer (and gives the claim back)."""
    await pool.execute(LEFT, STORE, CABBAGE, 5)
    pickup = order({"sku": CABBAGE, "quantity": 2}, fulfilment="pickup", address=None)
    headers = {**SHOPPER, **key()}
    the_key = headers["Idempotency-Key"]
    async with checking_out(quoting, stripe_url) as (quotes, gateway):
        request = msgspec.convert(pickup, OrderRequest)
        mine = KeyOf("orders", "mem_test_1", the_key)
        offer = await service.offer(pool, quotes, Clock(), request, key=mine)
        assert not offer.key_seen
        first = await orders.post("/v1/orders", json=pickup, headers=headers)
        assert first.status_code == 201, first.text
        outcome, voided = await at_once(pool, gateway, offer, key=the_key)
    assert outcome is None
    assert voided is not None and voided.status == "canceled"
    keyed = "SELECT count(*) FROM orders.orders WHERE idempotency_key = $1"
    assert await pool.fetchval(keyed, the_key) == 1
    assert await counts(database, CABBAGE) == (5, 4)  # the first order's, and the claim
    assert await pool.fetchval(CLAIMS) == 1


async def test_a_claim_expired_before_its_order_is_stored_writes_nothing_and_voids_its_intent(
    database, quoting, stripe_url, pool
):
    await pool.execute(LEFT, STORE, CABBAGE, 5)
    pickup = order({"sku": CABBAGE, "quantity": 2}, fulfilment="pickup", address=None)
    async with checking_out(quoting, stripe_url) as (quotes, gateway):
        offer = await service.offer(pool, quotes, Clock(), msgspec.convert(pickup, OrderRequest))
        assert await cancelling.expire_claims(pool, later_by(2)) == 1  # a slow checkout's claim
        outcome, voided = await at_once(pool, gateway, offer, key="k-late")
    assert outcome is None  # for `placing`'s transaction, which reserves afresh
    assert voided is not None and voided.status == "canceled"
    assert await pool.fetchval("SELECT count(*) FROM orders.orders") == 0
    assert await pool.fetchval("SELECT count(*) FROM kernel.idempotency_keys") == 0
    assert await counts(database, CABBAGE) == (5, 0)
