"""The store manager's live page in a real browser (Debian's Chromium), against delivery and
fulfillment serving over HTTP: the manager opens the link with their token and watches the
store, on a desktop and on a phone, and follows one order from paid to delivered. Screenshots
land in `.omo/artefacts/`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from shared.auth import Role
from shared.db import create_pool
from shared.events import OrderCollected, StoreUpdated
from tests.e2e.browser import ARTEFACTS, NEEDS_CHROMIUM, chromium, glyphs_differ
from tests.eventually import eventually
from tests.integration import picking
from tests.integration.apps import bearer
from tests.integration.conftest import orders, quoting, serving, stripe_url  # noqa: F401 (fixtures)
from tests.integration.delivering import MANAGER, STORE, command, dispatch_now, emit, rows
from tests.integration.live_store import AT_STORE, busy_evening, place_rider, quote, set_pace
from tests.integration.shopping import CABBAGE, SHOPPER, place_and_pay

NAME_JA = "オモ 神戸三宮店"
TOKEN = MANAGER["Authorization"].removeprefix("Bearer ")
STEPS_OF_AN_ORDER = ("paid", "picking", "packed", "riding", "delivered")
STEPS_OF_A_PICKUP = ("paid", "picking", "packed", "collected")
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}

pytestmark = [
    pytest.mark.e2e,
    NEEDS_CHROMIUM,
]


@pytest.fixture
def fulfillment_url(database: str, demo: str) -> Iterator[str]:
    with serving("fulfillment", database_url=database, bus_poll_seconds=0.2) as url:
        yield url


@pytest.fixture
def delivery_url(database: str, fulfillment_url: str) -> Iterator[str]:
    """Delivery over HTTP, asking a real fulfillment (also over HTTP) for the floor."""
    with serving(
        "delivery", database_url=database, bus_poll_seconds=0.2, fulfillment_url=fulfillment_url
    ) as url:
        yield url


@pytest.fixture
async def browser(delivery_url: str) -> AsyncIterator[Browser]:
    """The browser is closed before the servers stop."""
    async with chromium() as browser:
        yield browser


async def in_english(browser: Browser, **options) -> BrowserContext:
    """A browser whose manager switched the page to English before (kept on the device): the
    Kobe store's page speaks Japanese unless its manager chose otherwise."""
    context = await browser.new_context(**options)
    await context.add_init_script("localStorage.setItem('omo.live.lang', 'en')")
    return context


async def sees_the_evening(page: Page) -> None:
    for stage, count in (("floor", 1), ("ready", 1), ("rider", 2), ("delivered", 1)):
        await expect(page.get_by_test_id(f"stage-{stage}").get_by_test_id("count")).to_have_text(
            str(count)
        )
    await expect(page.get_by_test_id("on-time-promise")).to_have_text("100%")
    await expect(page.get_by_test_id("on-time-30")).to_have_text("0%")
    await expect(page.get_by_test_id("alert")).to_have_text("1 ready order has no rider")
    await expect(page.get_by_test_id("late")).to_have_count(1)
    await expect(page.get_by_test_id("rider")).to_have_count(2)


async def sees_promises_made_later(page: Page, later: list[dict]) -> None:
    """Two quotes made later for the floor's queue: a delivery, then a pickup."""
    floor = page.locator("[data-testid=promise-cause][data-cause=floor_queue]")
    await expect(floor).to_have_text("floor queue2 quotes")
    await expect(page.get_by_test_id("promises-none")).to_be_hidden()
    latest = page.get_by_test_id("promise-latest")
    await expect(latest).to_have_count(2)
    for shown, made in zip((latest.nth(1), latest.nth(0)), later, strict=True):
        due = datetime.fromisoformat(made["promise_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
        await expect(shown).to_contain_text(f"promised {due:%H:%M}")
        await expect(shown).to_contain_text(made["reason"])
    await expect(latest.nth(0)).to_contain_text("pickup")


async def shows_steps(page: Page, every: tuple[str, ...], stage: str, *steps: str) -> None:
    """The followed order is at `stage`, with a time for each of `steps` and none for the rest
    of `every` step of its kind."""
    followed = page.get_by_test_id("followed")
    await expect(followed).to_have_attribute("data-stage", stage, timeout=15_000)
    await expect(followed.locator(".step")).to_have_count(len(every))
    for step in every:
        at = followed.get_by_test_id(f"step-{step}").get_by_test_id("at")
        if step in steps:
            await expect(at).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
        else:
            await expect(at).to_have_text("–")


async def test_a_store_manager_watches_orders_and_riders_live_on_the_zone_map(
    database, delivery_url, browser
):
    evening = await busy_evening(database)
    await emit(  # the store as a Japanese manager named it: delivery keeps its copy
        database,
        StoreUpdated(
            store_id=STORE, name=NAME_JA, lat=34.6937, lng=135.1955, radius_m=3000,
            currency="JPY", timezone="Asia/Tokyo",
        ),
    )  # fmt: skip
    async with httpx.AsyncClient(base_url=delivery_url, timeout=10) as http:
        await set_pace(http, 1)  # an order an hour: the orders ahead make every promise later
        later = [await quote(http), await quote(http, fulfilment="pickup")]
    assert not any(q["meets_30_minutes"] for q in later)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    link = f"{delivery_url}/v1/stores/{STORE}/live#token={TOKEN}"

    # On the office screen: the link with the token opens the live store.
    context = await in_english(browser, viewport=DESKTOP)
    page = await context.new_page()
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(link)
    await expect(page.get_by_test_id("store-name")).to_have_text(NAME_JA)
    assert "token" not in page.url  # taken out of the address bar (and its history)
    await expect(page.get_by_test_id("net")).to_have_attribute("data-live", "on")
    await sees_the_evening(page)
    late = page.get_by_test_id("late")
    await expect(late).to_have_attribute("data-order", evening.late)
    await expect(late.locator("td").last).to_have_text("floor")  # no picker has it yet

    # The promises made later, why, and when to (Tokyo's time), the newest first.
    await sees_promises_made_later(page, later)

    # Store time: Tokyo's clock, whatever the browser's own zone.
    clock = await page.get_by_test_id("clock").text_content()
    assert clock and clock.endswith("Asia/Tokyo")
    tokyo = datetime.now(ZoneInfo("Asia/Tokyo"))
    shown = datetime.strptime(clock.split()[0], "%H:%M:%S").replace(
        year=tokyo.year, month=tokyo.month, day=tokyo.day, tzinfo=tokyo.tzinfo
    )
    assert abs(shown - tokyo) < timedelta(seconds=30) or abs(shown - tokyo) > timedelta(hours=23)

    # The map: the zone's circle, the 1 km scale, the store, both riders, rider-1's route
    # through its two doors.
    await expect(page.get_by_test_id("zone-circle")).to_have_attribute("r", "3000")
    await expect(page.get_by_test_id("scale")).to_contain_text("1 km")
    await expect(page.get_by_test_id("store")).to_have_count(1)
    await expect(page.get_by_test_id("rider-dot")).to_have_count(2)
    await expect(page.locator("[data-testid=route][data-rider=rider-1]")).to_have_count(1)
    await expect(page.get_by_test_id("door")).to_have_count(2)
    rider_2 = page.locator("[data-testid=rider-dot][data-rider=rider-2]")
    await expect(rider_2).to_have_attribute("class", "back")
    box = await page.get_by_test_id("map").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200

    # Japanese renders: the store name's characters are drawn as glyphs, not boxes.
    assert await glyphs_differ(page, "store-name", "神", "戸")
    await page.screenshot(path=ARTEFACTS / "live-1280x800.png", full_page=True)

    # Live: rider-2 reaches the store, and the page shows them free without a reload.
    await place_rider(database, "rider-2", AT_STORE)
    await expect(rider_2).to_have_attribute("class", "free", timeout=10_000)
    await context.close()

    # On the manager's phone: the same store, nothing wider than the screen.
    phone = await in_english(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = await phone.new_page()
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(link)
    await expect(page.get_by_test_id("store-name")).to_have_text(NAME_JA)
    await sees_the_evening(page)
    await expect(page.get_by_test_id("rider-dot")).to_have_count(2)
    await sees_promises_made_later(page, later)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.screenshot(path=ARTEFACTS / "live-360x640.png")
    await page.screenshot(path=ARTEFACTS / "live-360x640-full.png", full_page=True)
    await phone.close()
    assert not errors, errors


async def sees_the_evening_in_japanese(page: Page, later: list[dict]) -> None:
    """The evening of `sees_the_evening`, in Japanese words: counted with 件, no plural s, the
    promises' causes in place of their English reasons, times in Tokyo's."""
    await expect(page.locator("html")).to_have_attribute("lang", "ja")
    await expect(page.get_by_test_id("net")).to_have_text("ライブ")
    await expect(page.get_by_test_id("stage-rider")).to_have_text(re.compile(r"^2配達中"))
    await expect(page.get_by_test_id("stage-ready")).to_contain_text("梱包済み")
    await expect(page.get_by_test_id("done-count")).to_have_text("直近 1 時間の完了 1 件")
    await expect(page.get_by_test_id("alert")).to_have_text("梱包済み 1 件に配達員がいません")
    late = page.get_by_test_id("late")
    await expect(late.locator("td").first).to_have_text("遅れ")
    await expect(late.locator("td").last).to_have_text("売場")
    await expect(page.locator("[data-testid=rider][data-state=loading]")).to_contain_text(
        "積み込み中配達先 2 件"
    )
    await expect(page.locator("[data-testid=rider][data-state=back]")).to_contain_text(
        "店舗へ戻り中"
    )
    await expect(page.get_by_test_id("riders-count")).to_have_text("勤務中 2 人・待機中 0 人")
    await expect(page.get_by_test_id("pickers-count")).to_have_text("作業中のピッカー 0 人")
    await expect(page.get_by_test_id("stage-delivered")).to_have_text("1配達完了1 時間内")
    floor = page.locator("[data-testid=promise-cause][data-cause=floor_queue]")
    await expect(floor).to_have_text("売場の待ち2 件")
    latest = page.get_by_test_id("promise-latest")
    for shown, made in zip((latest.nth(1), latest.nth(0)), later, strict=True):
        due = datetime.fromisoformat(made["promise_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
        await expect(shown).to_contain_text(f"{due:%H:%M} に約束")
        await expect(shown).to_contain_text("売場の待ち")
    await expect(latest.nth(0)).to_contain_text("店頭受取")
    await expect(page.get_by_test_id("zone").first).to_contain_text("冷凍待ち")
    await expect(page.get_by_test_id("stage-floor").locator(".age")).to_have_text(
        re.compile(r"^最長 \d+ (秒|分)$")
    )


async def nothing_wider_than(page: Page, width: int) -> None:
    """Nothing scrolls sideways, and no box's words run past its edge."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    cut = await page.evaluate(
        """() => [...document.querySelectorAll("section, .stage, .step, header, td")]
            .filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1)
            .map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert not cut, cut


async def test_a_kobe_manager_reads_the_live_page_in_japanese_and_switches_to_english(
    database, delivery_url, browser
):
    """The store is in Japan: its page opens in Japanese, on the phone and on the office
    screen; the manager switches to English, and the choice lasts a reload."""
    await busy_evening(database)
    async with httpx.AsyncClient(base_url=delivery_url, timeout=10) as http:
        await set_pace(http, 1)  # an order an hour: the orders ahead make every promise later
        later = [await quote(http), await quote(http, fulfilment="pickup")]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = await context.new_page()
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(f"{delivery_url}/v1/stores/{STORE}/live#token={TOKEN}")

    await sees_the_evening_in_japanese(page, later)
    assert await glyphs_differ(page, "orders-title", "注", "文")  # glyphs, not empty boxes
    await expect(page.get_by_test_id("lang")).to_have_text("English")
    await nothing_wider_than(page, PHONE["width"])
    await page.screenshot(path=ARTEFACTS / "live-ja-360x640.png", full_page=True)
    await page.set_viewport_size(DESKTOP)
    await nothing_wider_than(page, DESKTOP["width"])
    await page.screenshot(path=ARTEFACTS / "live-ja-1280x800.png", full_page=True)

    # English, at the press of a button, and still English after a reload.
    await page.get_by_test_id("lang").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.reload()
    await sees_the_evening(page)
    await sees_promises_made_later(page, later)
    await expect(page.get_by_test_id("net")).to_have_text("live")
    await expect(page.get_by_test_id("stage-rider")).to_have_text(re.compile(r"^2with a rider"))
    await expect(page.locator("[data-testid=rider][data-state=loading]")).to_contain_text(
        "taking bags2 stops"
    )
    await expect(page.get_by_test_id("done-count")).to_have_text("1 done in the last hour")
    await expect(page.get_by_test_id("riders-count")).to_have_text("2 riders on shift, 0 free")
    await expect(page.get_by_test_id("pickers-count")).to_have_text("0 pickers at work")
    await expect(page.get_by_test_id("lang")).to_have_text("日本語")
    await nothing_wider_than(page, DESKTOP["width"])
    await page.screenshot(path=ARTEFACTS / "live-en-1280x800.png", full_page=True)
    await page.set_viewport_size(PHONE)
    await nothing_wider_than(page, PHONE["width"])
    await page.screenshot(path=ARTEFACTS / "live-en-360x640.png", full_page=True)
    await context.close()
    assert not errors, errors


async def test_a_manager_of_another_store_is_asked_for_this_stores_token(
    database, delivery_url, browser
):
    await busy_evening(database)
    other = bearer(Role.MANAGER, store="osaka-umeda")["Authorization"].removeprefix("Bearer ")
    page = await (await in_english(browser)).new_page()
    await page.goto(f"{delivery_url}/v1/stores/{STORE}/live#token={other}")
    await expect(page.get_by_test_id("sign-in")).to_be_visible()
    await expect(page.get_by_test_id("sign-in")).to_contain_text("not kobe-sannomiya")
    await expect(page.get_by_test_id("stages")).to_be_hidden()
    assert await page.get_by_test_id("store-name").text_content() == "omo live"

    # Pasting the right token opens the store.
    await page.get_by_test_id("token").fill(TOKEN)
    await page.get_by_test_id("connect").click()
    await sees_the_evening(page)


async def test_a_store_manager_follows_one_order_from_paid_to_delivered(
    database,
    orders,  # noqa: F811 (a fixture)
    fulfillment_url,
    delivery_url,
    browser,
):
    """A real order: paid in the app, picked and packed on fulfillment's handheld API, routed
    by the dispatcher, taken out and handed over on delivery's rider API; the manager types its
    id and watches each step arrive with its time, in Tokyo's time."""
    page = await (await in_english(browser, viewport=DESKTOP)).new_page()
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(f"{delivery_url}/v1/stores/{STORE}/live#token={TOKEN}")
    await expect(page.get_by_test_id("net")).to_have_attribute("data-live", "on")
    followed = page.get_by_test_id("followed")

    async def reached(stage: str, *steps: str) -> None:
        await shows_steps(page, STEPS_OF_AN_ORDER, stage, *steps)

    order_id = (await place_and_pay(orders, {"sku": CABBAGE, "quantity": 1}))["order_id"]
    await page.get_by_test_id("follow-id").fill(order_id)
    await page.get_by_test_id("follow-go").click()
    await reached("paid", "paid")
    await expect(page.get_by_test_id("followed-what")).to_have_text(f"{order_id}: paid")

    async with httpx.AsyncClient(base_url=fulfillment_url, timeout=10) as floor:
        await eventually(
            lambda: rows(
                database, "SELECT 1 FROM fulfillment.pick_tasks WHERE order_id = $1", order_id
            ),
            "fulfillment to queue the order's picking",
            ok=bool,
        )
        batch = await picking.claim(floor)
        await reached("picking", "paid", "picking")
        await expect(page.get_by_test_id("followed-more")).to_contain_text("picked by Aoi Tanaka")
        batch = await picking.pick_all(floor, batch)
        await picking.pack_one_bag(floor, batch, order_id)
    await reached("packed", "paid", "picking", "packed")

    pool = await create_pool(database)
    try:
        run = await dispatch_now(pool, database, "live-page")
    finally:
        await pool.close()
    assert run is not None and run.committed == 1
    await expect(page.get_by_test_id("followed-more")).to_contain_text("rider Yuto Yamamoto")

    rider = bearer(Role.RIDER, store=STORE, subject="rider-5")
    async with httpx.AsyncClient(base_url=delivery_url, timeout=10) as http:
        route = (await http.get("/v1/riders/me/route", headers=rider)).json()
        r = await http.post(
            f"/v1/routes/{route['route_id']}/pickup",
            json={"bags": route["stops"][0]["bags"]},
            headers=command(rider),
        )
        assert r.status_code == 200, r.text
        await reached("riding", "paid", "picking", "packed", "riding")
        await expect(page.get_by_test_id("followed-more")).to_contain_text("eta ")
        await page.screenshot(path=ARTEFACTS / "live-following-1280x800.png", full_page=True)
        tracking = (await http.get(f"/v1/orders/{order_id}/tracking", headers=SHOPPER)).json()
        r = await http.post(
            f"/v1/deliveries/{order_id}/delivered",
            json={"code": tracking["handover_code"]},
            headers=command(rider),
        )
        assert r.status_code == 200, r.text
        await reached("delivered", *STEPS_OF_AN_ORDER)
        # Aoi's batch is done and she is no longer at work: still named, not "picker-1".
        await expect(page.get_by_test_id("followed-more")).to_contain_text("picked by Aoi Tanaka")

        # Each time as the store's clock said it, whatever the browser's own zone.
        state = await http.get(f"/v1/stores/{STORE}/live/state?follow={order_id}", headers=MANAGER)
    tokyo = ZoneInfo("Asia/Tokyo")
    for step in state.json()["followed"]["steps"]:
        at = datetime.fromisoformat(step["at"]).astimezone(tokyo)
        shown = followed.get_by_test_id(f"step-{step['step']}").get_by_test_id("at")
        await expect(shown).to_have_text(f"{at:%H:%M:%S}")
    await expect(page.get_by_test_id("stage-delivered").get_by_test_id("count")).to_have_text("1")

    # On the manager's phone: five steps side by side, nothing wider than the screen.
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=ARTEFACTS / "live-following-360x640.png")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360

    # Stop: the store again, following nothing.
    await page.get_by_test_id("follow-stop").click()
    await expect(followed).to_be_hidden()
    assert not errors, errors


async def test_a_store_manager_clicks_a_late_order_a_stage_or_a_door_to_follow_it(
    database, delivery_url, browser
):
    """No order id to type: the manager clicks the late order's row, then the packed orders'
    tile (its newest), then a door on the map, and the panel follows each."""
    evening = await busy_evening(database)
    page = await (await in_english(browser, viewport=DESKTOP)).new_page()
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await page.goto(f"{delivery_url}/v1/stores/{STORE}/live#token={TOKEN}")
    await sees_the_evening(page)
    followed = page.get_by_test_id("followed")
    await expect(followed).to_be_hidden()

    await page.get_by_test_id("late").click()
    await expect(followed).to_have_attribute("data-followed", evening.late)
    await expect(page.get_by_test_id("followed-what")).to_have_text(f"{evening.late}: paid")
    await expect(page.get_by_test_id("follow-id")).to_have_value(evening.late)

    await page.get_by_test_id("stage-ready").click()
    await shows_steps(page, STEPS_OF_AN_ORDER, "packed", "paid", "packed")
    await expect(followed).to_have_attribute("data-followed", evening.ready)

    last_door = evening.route[-1]
    await page.locator(f"[data-testid=door][data-order={last_door}]").click()
    await expect(followed).to_have_attribute("data-followed", last_door)
    await expect(page.get_by_test_id("followed-more")).to_contain_text("rider ")
    door = page.locator(f"[data-testid=door][data-order={last_door}]")
    await expect(door).to_have_attribute("stroke", "#fbbf24")  # the followed door stands out
    await page.screenshot(path=ARTEFACTS / "live-click-to-follow-1280x800.png", full_page=True)

    # The choice lasts: a reload follows the same order.
    await page.reload()
    await expect(followed).to_have_attribute("data-followed", last_door)
    assert not errors, errors


async def test_a_store_manager_follows_a_pickup_order_until_its_shopper_collects_it(
    database,
    orders,  # noqa: F811 (a fixture)
    fulfillment_url,
    delivery_url,
    browser,
):
    """Delivery keeps no record of a pickup order: the floor's tasks tell its stages. Paid in
    the app, picked and packed on the handheld API, collected at the counter (the orders
    service's `order.collected`, which fulfillment hears)."""
    page = await (await in_english(browser, viewport=PHONE)).new_page()
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    line = {"sku": CABBAGE, "quantity": 1}
    order_id = (await place_and_pay(orders, line, fulfilment="pickup", address=None))["order_id"]
    await page.goto(f"{delivery_url}/v1/stores/{STORE}/live#token={TOKEN}&follow={order_id}")
    await shows_steps(page, STEPS_OF_A_PICKUP, "paid", "paid")
    await expect(page.get_by_test_id("followed-what")).to_have_text(f"{order_id} (pickup): paid")

    async with httpx.AsyncClient(base_url=fulfillment_url, timeout=10) as floor:
        batch = await picking.claim(floor)
        await shows_steps(page, STEPS_OF_A_PICKUP, "picking", "paid", "picking")
        batch = await picking.pick_all(floor, batch)
        await picking.pack_one_bag(floor, batch, order_id)
    await shows_steps(page, STEPS_OF_A_PICKUP, "packed", "paid", "picking", "packed")
    await expect(page.get_by_test_id("followed-more")).to_contain_text("picked by Aoi Tanaka")

    await emit(database, OrderCollected(order_id=order_id, store_id=STORE))
    await shows_steps(page, STEPS_OF_A_PICKUP, "collected", *STEPS_OF_A_PICKUP)
    await page.screenshot(path=ARTEFACTS / "live-following-pickup-360x640.png", full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors, errors
