"""The demo store: Kobe Sannomiya, its catalog and stock, layout, pickers and riders.

The demo shopper (member `mem_demo`) signs in with the tokens `omo up` prints. Each part is
written through the store module of the service that owns it. The store itself is
opened through the orders use case, so fulfillment and delivery learn of it from
`store.updated` like any other store. Seeding an existing store changes nothing, so a second
`omo up` keeps whatever the demo has done since.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec

from services.delivery import store as delivery_db
from services.delivery.domain import Rider
from services.fulfillment import store as fulfillment_db
from services.fulfillment.domain import Bin
from services.fulfillment.handheld import pins
from services.orders.catalog import service as catalog
from services.orders.catalog.allergens import Allergen
from services.orders.catalog.domain import Product
from services.orders.members import store as members_db
from services.orders.members.domain import Member
from services.orders.stores import service as stores
from services.orders.stores import store as stores_db
from services.orders.stores.domain import Store
from shared.barcodes import ean13
from shared.clock import Clock
from shared.events import Unit, Zone
from shared.settings import DEV_JWT_SECRET

CATALOG = Path(__file__).with_name("demo_catalog.csv")
# The demo's pictures live nowhere (a reserved domain); an app shows its placeholder instead.
IMAGES = "https://images.omo-grocery.example/products"
# What a label says of keeping each kind of product, as its description (English, Japanese).
KEEPING = {
    "produce": (
        "Fresh produce: keep cool and eat soon.",
        "生鮮品です。涼しい所で保存し、お早めにお召し上がりください。",
    ),
    "chilled": ("Keep refrigerated at 10 °C or below.", "要冷蔵（10℃以下で保存してください）。"),
    "frozen": ("Keep frozen at -18 °C or below.", "要冷凍（-18℃以下で保存してください）。"),
    "ambient": (
        "Store away from direct sunlight, heat and humidity.",
        "直射日光・高温多湿を避けて保存してください。",
    ),
}
STORE = Store(
    store_id="kobe-sannomiya",
    name="omo Kobe Sannomiya",
    lat=34.6937,
    lng=135.1955,
    radius_m=3000,
    currency="JPY",
    timezone="Asia/Tokyo",
)
# (id, name, handheld PIN)
PICKERS = [
    ("picker-1", "Aoi Tanaka", "1111"),
    ("picker-2", "Ren Suzuki", "2222"),
    ("picker-3", "Mei Kato", "3333"),
]
DEMO_MEMBER = Member(
    member_id="mem_demo", phone="+819012345678", created_at=datetime(2026, 1, 1, tzinfo=UTC)
)
RIDERS = [
    ("rider-1", "Haruto Sato"),
    ("rider-2", "Yui Takahashi"),
    ("rider-3", "Sota Ito"),
    ("rider-4", "Hina Watanabe"),
    ("rider-5", "Yuto Yamamoto"),
]


def demo_catalog(seed: int = 7) -> list[tuple[Product, Bin]]:
    """The catalog from demo_catalog.csv, with JAN (EAN-13, prefix 49) codes and starting stock.

    Every demo product is food or a soft drink, so all carry the reduced tax rate (8 %). Their
    allergens are plausible for such products, not copied from the makers' labels.
    """
    rng = random.Random(seed)
    rows = []
    with CATALOG.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            number = int(row["sku"].removeprefix("SKU-"))
            weighed = row["unit"] == "kg"
            zone = msgspec.convert(row["zone"], Zone)  # the CSV's text, checked
            product = Product(
                sku=row["sku"],
                ean=ean13(f"4900000{number:05d}"),
                name_en=row["name_en"],
                name_ja=row["name_ja"],
                brand=row["brand"],
                category=row["category"],
                zone=zone,
                unit=msgspec.convert(row["unit"], Unit),
                price=int(row["price"]),
                on_hand=rng.randint(5_000, 40_000) if weighed else rng.randint(6, 60),
                image_urls=[f"{IMAGES}/{row['sku']}.jpg"],
                description_en=f"{row['brand']}. {KEEPING[zone][0]}",
                description_ja=f"{row['brand']}。{KEEPING[zone][1]}",
                allergens=msgspec.convert(row["allergens"].split(), list[Allergen]),
                tax_class="reduced",
                reading=row["reading"],
            )
            spot = Bin(
                sku=row["sku"],
                zone=zone,
                aisle=int(row["aisle"]),
                bay=int(row["bay"]),
                shelf=int(row["shelf"]),
            )
            rows.append((product, spot))
    return rows


async def seed_demo(conn: asyncpg.Connection, clock: Clock, secret: str = DEV_JWT_SECRET) -> bool:
    """Seed the demo store once; False if it was there already. `secret` keys the pickers'
    PIN digests, so it must be the services' OMO_JWT_SECRET."""
    async with conn.transaction():
        if not await open_with_demo_catalog(conn, clock, STORE):
            return False
        for picker_id, name, pin in PICKERS:
            await pins.save_picker(
                conn, secret, store_id=STORE.store_id, picker_id=picker_id, name=name, pin=pin
            )
        await members_db.insert_member(conn, DEMO_MEMBER)
        await delivery_db.add_riders(
            conn, store_id=STORE.store_id, riders=[Rider(*r) for r in RIDERS]
        )
    return True


async def open_with_demo_catalog(conn: asyncpg.Connection, clock: Clock, store: Store) -> bool:
    """Open `store` with the demo's catalog, stock and shelf layout, once (False if it was
    there already): the demo store, and a city's other stores in a simulation. Its staff are
    registered apart (the demo's here, a simulation's by its manager)."""
    async with conn.transaction():
        if await stores_db.get_store(conn, store_id=store.store_id):
            return False
        await stores.open_store(conn, clock, store)
        assortment = demo_catalog()
        await catalog.load_catalog(conn, store.store_id, [p for p, _ in assortment])
        await fulfillment_db.upsert_bins(
            conn, store_id=store.store_id, bins=[b for _, b in assortment]
        )
    return True
