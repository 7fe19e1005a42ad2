"""The catalog as the shoppers see it after the manager's stock take (`manager.stock_up`),
without the services: the demo's products in the API's order, each with its bin."""

from __future__ import annotations

import math

from infra.seed import demo_catalog
from infra.simulate.scenario import Scenario
from infra.simulate.shoppers import BASKET_SHARE, GRAMS


def catalog(sc: Scenario) -> list[dict]:
    """The products API's items (sku, ean, unit, available, in_stock), ordered as it pages
    them (name, then sku), with the product's zone and bin for the pickers."""
    per_product = (sc.orders_per_hour + sc.till_sales_per_hour) * sc.hours * BASKET_SHARE
    items = []
    for product, spot in demo_catalog():
        weighed = product.unit == "kg"
        wanted = math.ceil(3 * per_product * (GRAMS if weighed else 2))
        available = max(product.on_hand, wanted)
        items.append(
            {
                "sku": product.sku,
                "ean": product.ean,
                "name_en": product.name_en,
                "unit": product.unit,
                "available": available,
                "in_stock": available > 0,
                "zone": spot.zone,
                "bin": (spot.aisle, spot.bay, spot.shelf),
            }
        )
    items.sort(key=lambda p: (p["name_en"], p["sku"]))
    return items
