"""Checkout's client of delivery's quotes, against a real HTTP server that answers as delivery
does and keeps what it was sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from services.orders.checkout.quotes import NoPromise, QuoteClient
from shared.errors import NotFound
from shared.tracing import request_id

ANSWER = {"deliverable": True, "distance_m": 650, "meets_30_minutes": True}


@pytest.fixture
async def delivery() -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A stand-in for delivery's /v1/quotes on a free port: its URL and the requests it got."""
    seen: list[web.Request] = []

    async def quotes(request: web.Request) -> web.Response:
        seen.append(request)
        if (await request.json())["store_id"] == "nowhere":
            return web.json_response({"title": "no such store"}, status=404)
        return web.json_response(ANSWER)

    app = web.Application()
    app.router.add_post("/v1/quotes", quotes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_a_quote_names_the_checkouts_request_and_the_calling_service(delivery):
    url, seen = delivery
    client = QuoteClient(url, "service-token")
    try:
        with request_id("req-checkout-1"):
            promised = await client.quote(store_id="kobe-sannomiya", lat=34.69, lng=135.19,
                                          pickup=False)  # fmt: skip
        again = await client.quote(store_id="kobe-sannomiya", lat=34.69, lng=135.19, pickup=True)
    finally:
        await client.aclose()
    assert promised.meets_30_minutes and promised.distance_m == 650 and again.deliverable
    assert seen[0].headers["X-Request-Id"] == "req-checkout-1"
    assert "X-Request-Id" not in seen[1].headers  # no request, no id made up
    assert all(r.headers["Authorization"] == "Bearer service-token" for r in seen)


async def test_an_unknown_store_is_not_found_and_a_silent_delivery_is_no_promise(delivery):
    url, _ = delivery
    client = QuoteClient(url, "service-token")
    try:
        with pytest.raises(NotFound) as unknown:
            await client.quote(store_id="nowhere", lat=34.69, lng=135.19, pickup=False)
    finally:
        await client.aclose()
    assert unknown.value.field == "store_id"
    gone = QuoteClient("http://127.0.0.1:9", "service-token", timeout_s=0.5)  # discard port
    try:
        with pytest.raises(NoPromise, match="did not answer in time"):
            await gone.quote(store_id="kobe-sannomiya", lat=34.69, lng=135.19, pickup=False)
    finally:
        await gone.aclose()
