"""The catalog as the shoppers see it after the manager's stock take (`manager.stock_up`),
without the services: the demo's products in the API's order, each with its bin; and what orders
would offer a picker for a short line of it."""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from infra.seed import STORE, demo_catalog
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import BASKET_SHARE, GRAMS
from services.fulfillment.domain import Bin
from services.orders.catalog.domain import StockedProduct
from services.orders.catalog.substitutes import named_substitute, rank_substitutes


def stocked(sc: Scenario) -> list[tuple[StockedProduct, Bin]]:
    """The demo's products with their stock after the manager's stock take, and their bins."""
    per_product = (sc.orders_per_hour + sc.till_sales_per_hour) * sc.hours * BASKET_SHARE
    taken = []
    for product, spot in demo_catalog():
        wanted = math.ceil(3 * per_product * (GRAMS if product.unit == "kg" else 2))
        on_hand = max(product.on_hand, wanted)
        fields = msgspec.structs.asdict(product) | {"on_hand": on_hand}
        taken.append((StockedProduct(**fields), spot))
    return taken


def catalog(sc: Scenario) -> list[dict]:
    """The products API's items (sku, ean, unit, available, in_stock), ordered as it pages
    them (name, then sku), with the product's zone and bin for the pickers."""
    items = [
        {
            "sku": product.sku,
            "ean": product.ean,
            "name_en": product.name_en,
            "unit": product.unit,
            "available": product.on_hand,
            "in_stock": product.on_hand > 0,
            "zone": spot.zone,
            "bin": (spot.aisle, spot.bay, spot.shelf),
        }
        for product, spot in stocked(sc)
    ]
    items.sort(key=lambda p: (p["name_en"], p["sku"]))
    return items


class Offers:
    """What orders offers a picker for a short line (`catalog.service.substitutes`), by its
    own rules: the candidates its `substitute_candidates` query picks (another product sold in
    the same unit with the quantity available, of the category or the sku a preference names),
    ranked by `rank_substitutes`. Most short lines get none (no other product of the kind, or
    not of the brand), so proposing for every short line a preference allows would be four
    times the services' substitutes. The stock is the stock take's, three times what the
    evening takes, so a candidate's shelf is never the reason one is missing; the services'
    answers on the same stock are checked in tests/integration/test_fast_substitutes.py."""

    def __init__(self, products: Sequence[StockedProduct]) -> None:
        self.by_sku = {p.sku: p for p in products}

    def first(self, sku: str, quantity: int, preference: str) -> str | None:
        """The sku offered first for `quantity` (pieces, or grams) of `sku`; None if none."""
        original = self.by_sku[sku]
        named = named_substitute(preference)
        candidates = [
            c
            for c in self.by_sku.values()
            if c.sku != sku
            and c.unit == original.unit
            and c.on_hand - c.reserved >= quantity
            and (c.category == original.category or c.sku == named)
        ]
        ranked = rank_substitutes(original, candidates, preference, STORE.currency)
        return ranked[0][0].sku if ranked else None
