"""The picker's handheld screen in a real browser (Debian's Chromium), against fulfillment and
orders serving over HTTP: everything is done through the page, as a picker with a scanner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect

from shared.db import init_connection
from shared.events import SubstitutionDecided
from tests.e2e.browser import NEEDS_CHROMIUM, chromium
from tests.integration.conftest import serving
from tests.integration.picking import AOI, PRODUCTS, STORE, emit, line, paid, weight_label

CABBAGE, DAIKON, POTATOES, BANANAS = "SKU-10001", "SKU-10002", "SKU-10005", "SKU-10031"

pytestmark = [
    pytest.mark.e2e,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def fulfillment_url(database: str, demo: str) -> Iterator[str]:
    """Fulfillment over HTTP, asking orders (also over HTTP) for substitutes."""
    with (
        serving("orders", database_url=database) as orders_url,
        serving(
            "fulfillment", database_url=database, orders_url=orders_url, bus_poll_seconds=0.2
        ) as url,
    ):
        yield url


@pytest.fixture
async def handheld(fulfillment_url: str) -> AsyncIterator[tuple[Page, BrowserContext]]:
    """A phone-sized browser tab; the browser is closed before the servers stop."""
    async with chromium() as browser:
        context = await browser.new_context(
            viewport={"width": 412, "height": 860}, is_mobile=True, has_touch=True
        )
        yield await context.new_page(), context


async def scan(page: Page, code: str) -> None:
    """The scanner types into whatever has focus, which must be the scan input."""
    await expect(page.get_by_test_id("scan")).to_be_focused()
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")


async def packed_events(database: str, order_id: str) -> list[dict]:
    conn = await asyncpg.connect(database)
    try:
        await init_connection(conn)
        rows = await conn.fetch(
            "SELECT payload FROM kernel.events WHERE topic = 'order.packed'"
            " AND payload->>'order_id' = $1",
            order_id,
        )
    finally:
        await conn.close()
    return [r["payload"] for r in rows]


async def test_a_picker_picks_shorts_substitutes_and_packs_an_order_on_the_handheld(
    database, fulfillment_url, handheld
):
    page, context = handheld
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(f"{fulfillment_url}/handheld")
    order_id = await paid(
        database,
        line(1, CABBAGE),
        line(2, DAIKON, 2, substitution="any"),
        line(3, POTATOES, 500),
        fulfilment="pickup",
    )
    message = page.get_by_test_id("message")
    current = page.get_by_test_id("current-name")
    quantity = page.get_by_test_id("current-qty")
    net = page.get_by_test_id("net-status")

    # Sign in with the store prefilled and a PIN.
    await expect(page.get_by_test_id("store-id")).to_have_value(STORE)
    await page.get_by_test_id("pin").fill("1111")
    await page.get_by_test_id("sign-in").click()
    await expect(page.get_by_test_id("picker-name")).to_contain_text("Aoi Tanaka")

    # Claim: the first item in walking order, large.
    await page.get_by_test_id("claim").click()
    await expect(current).to_have_text("Cabbage 1 head")
    await expect(page.get_by_test_id("current-name-ja")).to_have_text(PRODUCTS[CABBAGE].name_ja)
    await expect(page.get_by_test_id("current-bin")).to_have_text("Aisle 1 · Bay 1 · Shelf 1")
    await expect(quantity).to_have_text("0 / 1")
    await expect(page.get_by_test_id("current-tote")).to_have_text("1")
    await expect(page.get_by_test_id("progress")).to_contain_text("0 of 3 items")
    await page.reload()  # the sign-in and the batch survive a reload (sessionStorage)
    await expect(current).to_have_text("Cabbage 1 head")

    # A wrong item is refused in red, naming what the tote needs.
    await scan(page, PRODUCTS[BANANAS].ean)
    await expect(message).to_have_attribute("data-kind", "err")
    await expect(message).to_contain_text("that is not Cabbage 1 head")
    await expect(message).to_contain_text("aisle 1, bay 1, shelf 1")

    # Out of signal: the scan waits in the queue and is sent on return.
    await context.set_offline(True)
    await scan(page, PRODUCTS[CABBAGE].ean)
    await expect(net).to_have_text("offline, 1 queued")
    await context.set_offline(False)
    await expect(message).to_have_text("Cabbage 1 head: 1 of 1 in tote 1")
    await expect(message).to_have_attribute("data-kind", "ok")
    await expect(net).to_have_text("online")

    # One daikon of two on the shelf: report it short, a substitute is proposed.
    await expect(current).to_have_text("Daikon Radish 1 pc")
    await scan(page, PRODUCTS[DAIKON].ean)
    await expect(quantity).to_have_text("1 / 2")
    await page.get_by_test_id("short").click()
    await expect(page.get_by_test_id("short-found")).to_have_value("1")
    await page.get_by_test_id("short-confirm").click()
    await expect(page.get_by_test_id("proposal")).to_contain_text("proposed")
    await expect(page.get_by_test_id("waiting")).to_contain_text("Daikon Radish 1 pc")
    await expect(page.locator("[data-testid=item][data-state=awaiting_decision]")).to_have_count(1)

    # A weighed item takes the scale's GS1 weight label.
    await expect(current).to_have_text(PRODUCTS[POTATOES].name_en)
    await expect(page.get_by_test_id("current-bin")).to_have_text("Aisle 1 · Bay 2 · Shelf 1")
    await expect(quantity).to_have_text("0 g / 500 g")
    await scan(page, weight_label(POTATOES, 510))
    await expect(message).to_contain_text("510 g of 500 g")
    await expect(page.get_by_test_id("current")).to_be_hidden()

    # The shopper approves; the decision reaches the screen live (Server-Sent Events).
    batch_id = await page.evaluate("sessionStorage.getItem('omo.hh.batch')")
    async with httpx.AsyncClient(base_url=fulfillment_url) as http:
        server = (await http.get(f"/v1/batches/{batch_id}", headers=AOI)).json()
    assert server["next"] == "wait"
    [daikon] = [i["line"] for i in server["items"] if i["line"]["sku"] == DAIKON]
    offered = daikon["substitute"]
    await expect(net).to_have_attribute("data-live", "on")  # the stream is back after offline
    # Fulfillment's consumer applies the decision and NOTIFYs; the page learns of it only
    # through its event stream (a re-read of the batch shows no banner).
    await emit(
        database,
        SubstitutionDecided(
            substitution_id=offered["substitution_id"],
            order_id=order_id,
            store_id=STORE,
            line_no=2,
            approved=True,
            by="shopper",
        ),
    )
    decided = page.locator("[data-testid=banner][data-kind=substitution]")
    await expect(decided).to_contain_text("approved: pick it", timeout=10_000)
    await expect(current).to_have_text(offered["name_en"])
    await expect(page.locator("#cur-sub")).to_be_visible()
    await expect(quantity).to_have_text("0 / 1")
    await scan(page, offered["ean"])
    await expect(message).to_have_attribute("data-kind", "ok")

    # Pack the tote into two bags: the labels and the staging slot show.
    await page.get_by_test_id("bags-1").fill("2")
    await page.get_by_test_id("pack-1").click()
    labels = page.get_by_test_id("label")
    await expect(labels).to_have_count(2)
    await expect(labels.nth(0)).to_contain_text(f"{order_id}-produce-1")
    await expect(labels.nth(1)).to_contain_text("bag 2 of 2")
    await expect(page.get_by_test_id("staging-slot")).to_have_text("P01")
    await expect(page.get_by_test_id("claim-next")).to_be_visible()

    [event] = await packed_events(database, order_id)
    assert [(x["line_no"], x["picked"]) for x in event["lines"]] == [(1, 1), (2, 1), (3, 510)]
    assert event["lines"][1]["substitute"]["sku"] == offered["sku"]
    assert event["lines"][1]["substitute"]["quantity"] == 1
    assert [b["code"] for b in event["bags"]] == [f"{order_id}-produce-{n}" for n in (1, 2)]

    # Nothing else is queued: claiming next says so.
    await page.get_by_test_id("claim-next").click()
    await expect(message).to_have_text("Nothing to pick right now.")
    await expect(page.get_by_test_id("claim")).to_be_visible()
    assert not errors, errors
