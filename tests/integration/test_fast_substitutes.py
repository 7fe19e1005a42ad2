"""The fast mode's offers for a short line (`infra.simulate.fast.catalog.Offers`) are the orders
service's (`catalog.service.substitutes`: its candidates query, then its ranking), for every
product and preference, on the same stock, shelves run low and some held by online orders."""

from __future__ import annotations

import random

import msgspec

from infra.seed import demo_catalog
from infra.simulate.fast.catalog import Offers
from services.orders.catalog import service
from services.orders.catalog.domain import StockedProduct
from shared.db import connect, init_connection

PREFERENCES = ["none", "same_brand", "any", "sku:SKU-10051"]  # the last: fresh milk, named


async def test_the_fast_offers_are_the_services(database, demo):
    rng = random.Random(16)
    products = []
    for product, _ in demo_catalog():
        scale = 1000 if product.unit == "kg" else 1
        on_hand = rng.randrange(0, 4) * scale
        stock = {"on_hand": on_hand, "reserved": rng.randrange(0, on_hand + 1) // 2}
        products.append(StockedProduct(**msgspec.structs.asdict(product) | stock))
    offers = Offers(products)
    conn = await connect(database)
    try:
        await init_connection(conn)
        await conn.executemany(
            "UPDATE orders.products SET on_hand = $3, reserved = $4"
            " WHERE store_id = $1 AND sku = $2",
            [(demo, p.sku, p.on_hand, p.reserved) for p in products],
        )
        offered = 0
        for p in products:
            quantity = 500 if p.unit == "kg" else rng.randrange(1, 3)
            for preference in PREFERENCES:
                ranked = await service.substitutes(
                    conn, demo, p.sku, quantity=quantity, preference=preference
                )
                first = ranked[0].sku if ranked else None
                assert offers.first(p.sku, quantity, preference) == first, (p.sku, preference)
                offered += first is not None
    finally:
        await conn.close()
    assert 0 < offered < len(products) * len(PREFERENCES)  # both answers were put to the test
