"""The picker's handheld screen in a real browser (Debian's Chromium), against fulfillment and
orders serving over HTTP: everything is done through the page, as a picker with a scanner, in
Japanese and English, on a 360x640 phone and at a desktop width. Screenshots land in
`.omo/artefacts/handheld-*.png`."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import msgspec
import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, Page, expect

from services.orders.catalog.reasons import reason_text
from shared.db import init_connection
from shared.events import SubstituteReason
from shared.money import Money
from shared.settings import PROJECT_ROOT
from tests.e2e.browser import ARTEFACTS, NEEDS_CHROMIUM, chromium, glyphs_differ
from tests.integration.picking import AOI, PRODUCTS, STORE, decide, line, paid, weight_label

CABBAGE, DAIKON, POTATOES, BANANAS = "SKU-10001", "SKU-10002", "SKU-10005", "SKU-10031"
ONIONS = "SKU-10004"  # green onions are its only kind: daikon has none to stand in
MILK = "SKU-10049"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
TOKYO = ZoneInfo("Asia/Tokyo")
MM_IN_POINTS = 72 / 25.4

pytestmark = [
    pytest.mark.e2e,
    NEEDS_CHROMIUM,
]


@pytest.fixture
async def browser(floor_url: str) -> AsyncIterator[Browser]:
    """The browser is closed before the servers stop."""
    async with chromium() as browser:
        yield browser


class Handheld:
    """One handheld: a browser tab of a given size, and the page errors it met."""

    def __init__(self, page: Page, size: dict[str, int], url: str) -> None:
        self.page, self.size, self.url = page, size, url
        self.errors: list[Exception] = []
        page.on("pageerror", lambda error: self.errors.append(error))

    def shot(self, language: str, what: str) -> str:
        name = f"handheld-{language}-{self.size['width']}x{self.size['height']}-{what}.png"
        return str(ARTEFACTS / name)

    async def sign_in(self, pin: str, name: str) -> None:
        await self.page.get_by_test_id("pin").fill(pin)
        await self.page.get_by_test_id("sign-in").click()
        await expect(self.page.get_by_test_id("picker-name")).to_have_text(name)

    async def scan(self, code: str) -> None:
        """The scanner types into whatever has focus, which must be the scan field."""
        await expect(self.page.get_by_test_id("scan")).to_be_focused()
        await self.page.keyboard.type(code)
        await self.page.keyboard.press("Enter")

    async def sounds(self) -> list[str]:
        return await self.page.evaluate("window.omoSounds.map((s) => s.kind)")

    async def in_view(self, testid: str) -> bool:
        """Whether the element is wholly on the screen, wherever the page is scrolled to."""
        for scroll in ("0", "document.documentElement.scrollHeight"):
            await self.page.evaluate(f"window.scrollTo(0, {scroll})")
            box = await self.page.get_by_test_id(testid).bounding_box()
            if not box or box["y"] < 0 or box["y"] + box["height"] > self.size["height"]:
                return False
        return True


@pytest.fixture
async def handheld(browser: Browser, floor_url: str):
    """Opens handhelds of a size on the page; every one must end without a page error."""
    opened: list[Handheld] = []

    async def open_one(size: dict[str, int], *, scale: float = 1) -> Handheld:
        phone = size is PHONE
        context = await browser.new_context(
            viewport=size, is_mobile=phone, has_touch=phone, device_scale_factor=scale
        )
        device = Handheld(await context.new_page(), size, floor_url)
        await device.page.goto(f"{floor_url}/handheld")
        opened.append(device)
        return device

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield open_one
    assert not [e for d in opened for e in d.errors]


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


async def batch_of(device: Handheld) -> dict:
    """The batch on the screen, as the server has it."""
    batch_id = await device.page.evaluate("sessionStorage.getItem('omo.hh.batch')")
    async with httpx.AsyncClient(base_url=device.url) as http:
        return (await http.get(f"/v1/batches/{batch_id}", headers=AOI)).json()


def tokyo_time(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(TOKYO):%H:%M}"


async def test_a_picker_picks_shorts_substitutes_and_packs_an_order_in_english(database, handheld):
    order_id = await paid(
        database,
        line(1, CABBAGE),
        line(2, ONIONS, 2, substitution="any"),
        line(3, POTATOES, 500),
        fulfilment="pickup",
    )
    device = await handheld(DESKTOP, scale=2)  # a sharp screenshot of the printed label
    page = device.page
    message = page.get_by_test_id("message")
    current = page.get_by_test_id("current-name")
    quantity = page.get_by_test_id("current-qty")
    net = page.get_by_test_id("net-status")

    # Sign in with the store prefilled and a PIN: the store speaks Japanese; switch to English.
    await expect(page.get_by_test_id("store-id")).to_have_value(STORE)
    await device.sign_in("1111", "Aoi Tanaka")
    await expect(page.get_by_test_id("claim")).to_have_text("バッチを受け取る")
    await page.get_by_test_id("lang").click()
    await expect(page.get_by_test_id("claim")).to_have_text("Claim batch")
    await expect(page.get_by_test_id("waiting-total")).to_have_text("1 order waiting")
    await expect(page.locator("[data-testid=zone-row][data-zone=produce] td").nth(1)).to_have_text(
        "1"
    )

    # Claim: the first item in walking order, large, its Japanese name under it.
    await page.get_by_test_id("claim").click()
    await expect(message).to_have_text("1 order, produce: a tote each.")
    await expect(current).to_have_text("Cabbage 1 head")
    await expect(page.get_by_test_id("current-name-alt")).to_have_text(PRODUCTS[CABBAGE].name_ja)
    await expect(page.get_by_test_id("current-bin")).to_have_text("Aisle 1 · Bay 1 · Shelf 1")
    await expect(quantity).to_have_text("0 / 1")
    await expect(page.get_by_test_id("current-tote")).to_have_text("1")
    await expect(page.get_by_test_id("progress")).to_have_text("0 of 3 items · produce · 1 tote")
    await page.reload()  # the sign-in, the language and the batch survive a reload
    await expect(current).to_have_text("Cabbage 1 head")

    # A wrong item is refused in red with the error sound, naming what the tote needs.
    await device.scan(PRODUCTS[BANANAS].ean)
    await expect(message).to_have_attribute("data-kind", "err")
    await expect(message).to_have_text(
        "That is not Cabbage 1 head; tote 1 needs Cabbage 1 head (Aisle 1 · Bay 1 · Shelf 1)."
    )
    assert (await device.sounds())[-1] == "err"

    # Out of signal: the scan waits in the queue and is sent on return, with the success sound.
    await page.context.set_offline(True)
    await device.scan(PRODUCTS[CABBAGE].ean)
    await expect(net).to_have_text("offline, 1 queued")
    await page.context.set_offline(False)
    await expect(message).to_have_text("Cabbage 1 head: 1 of 1 in tote 1")
    await expect(message).to_have_attribute("data-kind", "ok")
    await expect(net).to_have_text("online")
    assert (await device.sounds())[-1] == "ok"

    # One bag of onions of two on the shelf: report it short, a substitute (green onions) is
    # proposed, and the time the shopper has is the store's (Tokyo), not UTC.
    await expect(current).to_have_text("Awaji Onions 3 pcs")
    await device.scan(PRODUCTS[ONIONS].ean)
    await expect(quantity).to_have_text("1 / 2")
    await page.get_by_test_id("short").click()
    await expect(page.get_by_test_id("short-found")).to_have_value("1")
    await page.get_by_test_id("short-confirm").click()
    await expect(page.get_by_test_id("proposal")).to_contain_text("proposed")
    server = await batch_of(device)
    [onions] = [i["line"] for i in server["items"] if i["line"]["sku"] == ONIONS]
    offered = onions["substitute"]
    await expect(message).to_contain_text(f"has until {tokyo_time(offered['decide_by'])}.")
    await expect(message).not_to_contain_text("UTC")
    # The picker sees why the catalog offered green onions, as the shopper will.
    why = "Why: same kind (onion); JPY 170 cheaper"
    await expect(message).to_contain_text(why)
    await expect(page.get_by_test_id("proposal").get_by_test_id("reason")).to_have_text(why)
    waiting = page.get_by_test_id("waiting-item")
    await expect(waiting).to_contain_text("Awaji Onions 3 pcs (tote 1) → Green Onions 1 bunch?")
    await expect(waiting.get_by_test_id("reason")).to_have_text(why)
    await page.screenshot(path=device.shot("en", "proposed"))
    await expect(page.locator("[data-testid=item][data-state=awaiting_decision]")).to_have_count(1)

    # A weighed item takes the scale's GS1 weight label.
    await expect(current).to_have_text(PRODUCTS[POTATOES].name_en)
    await expect(page.get_by_test_id("current-bin")).to_have_text("Aisle 1 · Bay 2 · Shelf 1")
    await expect(quantity).to_have_text("0 g / 500 g")
    await page.screenshot(path=device.shot("en", "pick"))
    await device.scan(weight_label(POTATOES, 510))
    await expect(message).to_have_text("Potatoes, loose: 510 g of 500 g in tote 1")
    await expect(page.get_by_test_id("current")).to_be_hidden()

    # The shopper approves while the handheld's stream is down (a dead spot in the aisle); back,
    # it sends its last id and is sent the decision it missed (Server-Sent Events).
    assert (await batch_of(device))["next"] == "wait"
    await expect(net).to_have_attribute("data-live", "on")  # the stream is back after offline
    await page.evaluate("stopListening()")
    await decide(database, order_id, 2, offered["substitution_id"], approved=True)
    decided = page.locator("[data-testid=banner][data-kind=substitution]")
    await expect(decided).to_have_count(0)
    await page.evaluate("() => { listen(); }")  # not awaited: it resolves when the stream ends
    await expect(decided).to_contain_text("approved: pick it", timeout=10_000)
    await expect(current).to_have_text(offered["name_en"])
    await expect(page.locator("#cur-sub")).to_be_visible()
    await expect(quantity).to_have_text("0 / 1")
    await device.scan(offered["ean"])
    await expect(message).to_have_attribute("data-kind", "ok")

    # Pack the tote into two bags: each label has its QR code, and the staging slot shows.
    await page.get_by_test_id("bags-1").fill("2")
    await page.get_by_test_id("pack-1").click()
    labels = page.get_by_test_id("label")
    await expect(labels).to_have_count(2)
    await expect(labels.nth(0)).to_contain_text(f"{order_id}-produce-1")
    await expect(labels.nth(1)).to_contain_text("bag 2 of 2")
    await expect(page.get_by_test_id("staging-slot")).to_have_text("P01")
    await expect(page.get_by_test_id("claim-next")).to_be_visible()
    await page.screenshot(path=device.shot("en", "labels"))

    # The print view: only the labels, one 62 mm label a page, and the QR a scanner reads back.
    await page.emulate_media(media="print")
    await expect(page.get_by_test_id("claim-next")).to_be_hidden()
    printed = await labels.nth(0).screenshot(path=str(ARTEFACTS / "handheld-label-print.png"))
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(printed)))
    assert [r.text for r in read] == [f"{order_id}-produce-1"]
    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
    pages = [[float(n) for n in box.split()] for box in re.findall(rb"/MediaBox \[([^\]]+)\]", pdf)]
    assert len(pages) == 2  # a label a page
    assert all(abs((x1 - x0) - 62 * MM_IN_POINTS) < 1 for x0, _, x1, _ in pages)
    await page.emulate_media(media="screen")

    [event] = await packed_events(database, order_id)
    assert [(x["line_no"], x["picked"]) for x in event["lines"]] == [(1, 1), (2, 1), (3, 510)]
    assert event["lines"][1]["substitute"]["sku"] == offered["sku"]
    assert [b["code"] for b in event["bags"]] == [f"{order_id}-produce-{n}" for n in (1, 2)]

    # Nothing else is queued: claiming next says so, and home shows no order waiting.
    await page.get_by_test_id("claim-next").click()
    await expect(message).to_have_text("Nothing to pick right now.")
    await expect(page.get_by_test_id("claim")).to_be_visible()
    await expect(page.get_by_test_id("waiting-total")).to_have_text("0 orders waiting")


async def test_a_picker_on_a_phone_works_in_japanese_and_parks_a_tote_the_shopper_decides_on(
    database, handheld
):
    deciding = await paid(database, line(1, CABBAGE, 2, substitution="any"))
    await paid(database, line(1, DAIKON))
    device = await handheld(PHONE)
    page = device.page
    message = page.get_by_test_id("message")

    # Home, in the store's language: the queue per zone, nothing urgent yet, the store's clock.
    await device.sign_in("1111", "Aoi Tanaka")
    await expect(page.get_by_test_id("waiting-total")).to_have_text("待ち 2 件")
    await expect(page.locator("[data-testid=zone-row][data-zone=produce] td").first).to_have_text(
        "青果"
    )
    await expect(page.get_by_test_id("urgent-list")).to_have_text("至急の注文はありません。")
    clock = (await page.get_by_test_id("clock").text_content()) or ""
    now = datetime.now(TOKYO)
    shown = datetime.strptime(clock, "%H:%M").replace(year=now.year, month=now.month,
                                                     day=now.day, tzinfo=TOKYO)  # fmt: skip
    assert abs((now - shown).total_seconds()) % 86400 < 120  # Tokyo's time, whatever the device's
    assert await glyphs_differ(page, "waiting-total", "待", "件")  # glyphs, not empty boxes
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=device.shot("ja", "home"))

    # Claim both orders; a wrong item is answered in Japanese, beside the scan field.
    await page.get_by_test_id("claim").click()
    await expect(message).to_have_text("青果の注文 2 件：1 件にトート 1 つ。")
    await expect(page.get_by_test_id("current-name")).to_have_text(PRODUCTS[CABBAGE].name_ja)
    await expect(page.get_by_test_id("current-bin")).to_have_text("通路 1・棚 1・段 1")
    await expect(page.get_by_test_id("progress")).to_have_text("2 点中 0 点・青果・トート 2 個")
    await device.scan(PRODUCTS[BANANAS].ean)
    await expect(message).to_have_attribute("data-kind", "err")
    await expect(message).to_contain_text(f"{PRODUCTS[CABBAGE].name_ja} ではありません。")
    assert await device.in_view("message") and await device.in_view("scan")

    # One cabbage of two: short, a substitute proposed, the answer still beside the scan field
    # however the page is scrolled, and the shopper's time in Tokyo's.
    await device.scan(PRODUCTS[CABBAGE].ean)
    await expect(message).to_have_text(f"{PRODUCTS[CABBAGE].name_ja}：2 中 1 をトート 1 へ")
    await page.get_by_test_id("short").click()
    await page.get_by_test_id("short-confirm").click()
    await expect(message).to_contain_text("代替品")
    server = await batch_of(device)
    [cabbage] = [i["line"] for i in server["items"] if i["line"]["sku"] == CABBAGE]
    await expect(message).to_contain_text(tokyo_time(cabbage["substitute"]["decide_by"]))
    assert await device.in_view("message")
    # Why Chinese cabbage was offered, in Japanese; in English after the switch, and back.
    reason = page.get_by_test_id("proposal").get_by_test_id("reason")
    await expect(reason).to_have_text("理由：同じ種類、20円安い")
    assert await glyphs_differ(page, "reason", "種", "類")
    await expect(page.get_by_test_id("waiting-item").get_by_test_id("reason")).to_have_text(
        "理由：同じ種類、20円安い"
    )
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=device.shot("ja", "short"))
    await expect(message).to_contain_text("理由：同じ種類、20円安い")  # beside the scan field too
    await page.evaluate("document.getElementById('proposal').scrollIntoView({block: 'center'})")
    await page.screenshot(path=device.shot("ja", "proposed"))
    await page.get_by_test_id("lang").click()
    await expect(reason).to_have_text("Why: same kind (cabbage); JPY 20 cheaper")
    await expect(page.get_by_test_id("proposal")).to_contain_text("Chinese Cabbage Half proposed")
    await page.evaluate("document.getElementById('proposal').scrollIntoView({block: 'center'})")
    await page.screenshot(path=device.shot("en", "proposed"))
    await page.get_by_test_id("lang").click()
    await expect(reason).to_have_text("理由：同じ種類、20円安い")

    # An urgent order reaches the floor: a banner and the urgent sound, unlike the others.
    urgent = await paid(database, line(1, MILK), due_in=timedelta(minutes=20))
    await expect(page.locator("[data-testid=banner][data-kind=urgent]")).to_contain_text(
        "至急：冷蔵の注文", timeout=10_000
    )
    played = await page.evaluate("window.omoSounds")
    kinds = {s["kind"]: tuple(s["notes"]) for s in played}
    assert {"ok", "err", "urgent"} <= set(kinds)
    assert len(set(kinds.values())) == len(kinds)  # each sounds different

    # Pick and pack the other tote; park the cabbage's tote and go on: the batch is done.
    await expect(page.get_by_test_id("current-name")).to_have_text(PRODUCTS[DAIKON].name_ja)
    await device.scan(PRODUCTS[DAIKON].ean)
    await page.get_by_test_id("pack-2").click()
    await expect(page.get_by_test_id("label")).to_have_count(1)
    await page.get_by_test_id("park-1").click()
    await expect(message).to_have_text("トート 1 を保留にしました。保留棚に置いてください。")
    await expect(page.get_by_test_id("claim-next")).to_be_visible()
    assert await device.in_view("message")
    await page.screenshot(path=device.shot("ja", "parked"))

    # Another picker's home, on a desktop screen in Japanese: the parked tote and the urgent order.
    desk = await handheld(DESKTOP)
    await desk.sign_in("2222", "Ren Suzuki")
    parked = desk.page.locator(f"[data-testid=parked][data-order={deciding}]")
    await expect(parked).to_contain_text("Aoi Tanaka が")
    await expect(parked).to_have_attribute("data-awaiting", "true")
    await expect(desk.page.locator(f"[data-testid=urgent][data-order={urgent}]")).to_contain_text(
        "冷蔵"
    )
    await desk.page.screenshot(path=desk.shot("ja", "home"))

    # And a third picker's phone in English: the same floor, its plurals right.
    phone = await handheld(PHONE)
    await phone.sign_in("3333", "Mei Kato")
    await phone.page.get_by_test_id("lang").click()
    await expect(phone.page.get_by_test_id("waiting-total")).to_have_text("2 orders waiting")
    parked_en = phone.page.locator(f"[data-testid=parked][data-order={deciding}]")
    await expect(parked_en).to_contain_text("parked by Aoi Tanaka")
    await expect(parked_en).to_contain_text("the shopper is deciding")
    assert await phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await phone.page.screenshot(path=phone.shot("en", "home"))


async def test_a_reload_without_network_still_shows_the_screen_and_its_queue(database, handheld):
    await paid(database, line(1, CABBAGE, 2))
    device = await handheld(PHONE)
    page = device.page
    await device.sign_in("1111", "Aoi Tanaka")
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("current-name")).to_have_text(PRODUCTS[CABBAGE].name_ja)
    await page.wait_for_function("navigator.serviceWorker.controller !== null")

    # The store's Wi-Fi drops: nothing reaches the server, the service worker's fetches neither.
    await page.context.set_offline(True)
    await page.context.route("**/*", lambda route: route.abort("internetdisconnected"))
    await device.scan(PRODUCTS[CABBAGE].ean)
    net = page.get_by_test_id("net-status")
    await expect(net).to_have_text("オフライン・送信待ち 1 件")
    await page.reload()
    await expect(page.get_by_test_id("current-name")).to_have_text(PRODUCTS[CABBAGE].name_ja)
    await expect(page.get_by_test_id("current-qty")).to_have_text("0 / 2")
    await expect(net).to_have_text("オフライン・送信待ち 1 件")
    await page.screenshot(path=device.shot("ja", "offline"))

    # Back on the network: the queued scan is sent and counted.
    await page.context.unroute("**/*")
    await page.context.set_offline(False)
    await expect(page.get_by_test_id("current-qty")).to_have_text("1 / 2", timeout=20_000)
    await expect(net).to_have_text("オンライン")


REASONS = [
    [
        SubstituteReason(code="same_kind", kind=["milk"]),
        SubstituteReason(code="same_brand", brand="Meiji"),
        SubstituteReason(code="same_size", size="1 L"),
        SubstituteReason(code="same_price"),
    ],
    [
        SubstituteReason(code="same_kind", kind=["potato"]),
        SubstituteReason(code="similar_size", size="400 g"),
        SubstituteReason(code="cheaper", difference=Money(30, "JPY"), per_kg=True),
    ],
    [
        SubstituteReason(code="named_by_shopper"),
        SubstituteReason(code="dearer", difference=Money(125, "USD")),
    ],
]


async def test_the_handheld_words_why_a_substitute_was_offered_as_the_shoppers_order_does():
    """The handheld words the codes in its language file, orders in catalog/reasons.py: the
    same reasons read the same on both, in Japanese and in English."""
    async with chromium() as browser:
        page = await browser.new_page()
        await page.add_script_tag(
            path=PROJECT_ROOT / "services/fulfillment/handheld/static/i18n.js"
        )
        for language in ("en", "ja"):
            for why in REASONS:
                shown = await page.evaluate(
                    "([lang, why]) => I18N.reason(lang, why)",
                    [language, msgspec.to_builtins(why)],
                )
                assert shown == reason_text(why, language)
