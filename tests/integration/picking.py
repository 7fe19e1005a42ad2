"""Picking helpers: paid orders of the demo store straight onto the bus, the fulfillment
consumers drained, and the picker's calls."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from infra.seed import demo_catalog
from services.fulfillment.consumers import CONSUMERS
from shared.auth import Role
from shared.barcodes import ean13
from shared.bus import drain
from shared.db import create_pool
from shared.events import Address, Event, OrderPlaced, PlacedLine, SubstitutionDecided
from shared.money import Money
from tests.integration.apps import bearer
from tests.integration.eventlog import publish_events

STORE = "kobe-sannomiya"
PRODUCTS = {p.sku: p for p, _ in demo_catalog()}
AOI = bearer(Role.PICKER, store=STORE, subject="picker-1")
REN = bearer(Role.PICKER, store=STORE, subject="picker-2")
MANAGER = bearer(Role.MANAGER, store=STORE)


def line(n: int, sku: str, quantity: int = 1, substitution: str = "none") -> PlacedLine:
    p = PRODUCTS[sku]
    return PlacedLine(
        line_no=n,
        sku=sku,
        name_en=p.name_en,
        name_ja=p.name_ja,
        zone=p.zone,
        unit=p.unit,
        quantity=quantity,
        unit_price=Money(p.price, "JPY"),
        substitution=substitution,
        ean=p.ean,
    )


def weight_label(sku: str, grams: int, prefix: str = "20") -> str:
    """A scale's label for a weighed product: prefix, its PLU, the grams, check digit."""
    return ean13(f"{prefix}{PRODUCTS[sku].ean[7:12]}{grams:05d}")


async def emit(database: str, *events: Event) -> None:
    """Publish `events` and let fulfillment handle them."""
    await publish_events(database, *events)
    await handle_all(database)


async def decide(
    database: str, order_id: str, line_no: int, substitution_id: str, *, approved: bool
) -> None:
    """The shopper answers a proposed substitute in the app (orders announces it on the bus)."""
    await emit(
        database,
        SubstitutionDecided(
            substitution_id=substitution_id,
            order_id=order_id,
            store_id=STORE,
            line_no=line_no,
            approved=approved,
            by="shopper",
        ),
    )


async def handle_all(database: str) -> None:
    pool = await create_pool(database)
    try:
        for consumer in CONSUMERS:
            while await drain(pool, consumer):
                pass
    finally:
        await pool.close()


async def paid(
    database: str,
    *lines: PlacedLine,
    fulfilment: str = "delivery",
    due_in: timedelta = timedelta(minutes=30),
) -> str:
    """A paid order of the demo store reaches fulfillment; its id."""
    order_id = f"ord_{uuid.uuid4().hex}"
    await emit(
        database,
        OrderPlaced(
            order_id=order_id,
            store_id=STORE,
            member_id="mem_test_1",
            fulfilment=fulfilment,  # type: ignore[arg-type]
            address=Address(lat=34.695, lng=135.2, text="Kobe")
            if fulfilment == "delivery"
            else None,
            promise_at=datetime.now().astimezone() + due_in,
            lines=list(lines),
        ),
    )
    return order_id


def command(who: dict | None = None, **device: object) -> dict:
    headers = {**(who or AOI), "Idempotency-Key": str(uuid.uuid4())}
    headers.update({k.replace("_", "-").title(): str(v) for k, v in device.items()})
    return headers


def sign_in(c, pin: str, *, store: str = STORE, device: str | None = None, key: str | None = None):
    """Post a handheld sign-in (a key of its own unless `key`; `device` as its Device-Id)."""
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    if device is not None:
        headers["Device-Id"] = device
    return c.post("/v1/handheld/sessions", json={"store_id": store, "pin": pin}, headers=headers)


async def claim(c, who: dict | None = None) -> dict:
    r = await c.post(f"/v1/stores/{STORE}/batches/claim", json={}, headers=command(who))
    assert r.status_code == 200, r.text
    return r.json()["batch"]


async def scan(c, batch: dict, barcode: str, tote: int, who: dict | None = None, **device):
    return await c.post(
        f"/v1/batches/{batch['batch_id']}/scans",
        json={"barcode": barcode, "tote": tote},
        headers=command(who, **device),
    )


async def pick_all(c, batch: dict, who: dict | None = None) -> dict:
    """Scan every item the batch asks for, one by one, as the screen leads."""
    while batch["current"] is not None:
        item = batch["current"]
        code = PRODUCTS[item["sku"]].ean
        if item["unit"] == "kg":
            code = weight_label(item["sku"], item["quantity"])
        r = await scan(c, batch, code, item["tote"], who)
        assert r.status_code == 200, r.text
        batch = r.json()["batch"]
    return batch


async def pack_one_bag(c, batch: dict, order_id: str, zone: str = "produce") -> None:
    """Pack the order's picked items into one bag, which packs the whole order."""
    packed = await c.post(
        f"/v1/batches/{batch['batch_id']}/orders/{order_id}/pack",
        json={"bags": [{"zone": zone, "count": 1}]},
        headers=command(),
    )
    assert packed.json()["order_packed"] is True, packed.text
