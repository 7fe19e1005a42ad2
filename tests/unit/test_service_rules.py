"""Pure rules of the services, and the demo data they are seeded with."""

from __future__ import annotations

from collections import Counter

import pytest

from infra.seed import demo_catalog
from services.delivery.domain import Zone, coverage
from services.fulfillment.domain import Bin, walk_order
from services.orders.stores.domain import Store, check_store
from shared.barcodes import is_valid_ean13
from shared.errors import InvalidInput

KOBE = Zone(store_id="kobe", lat=34.6937, lng=135.1955, radius_m=3000)


def test_an_address_inside_the_radius_is_deliverable_and_one_outside_is_not():
    near = coverage(KOBE, 34.7000, 135.2100)  # towards Motomachi... east, about 1.5 km
    far = coverage(KOBE, 34.6937, 135.2400)  # about 4 km east
    assert near.deliverable and 1_000 < near.distance_m < 2_000
    assert not far.deliverable and 3_500 < far.distance_m < 4_500


def test_picker_walks_aisles_in_a_snake_and_shelves_in_order():
    bins = [
        Bin(sku="d", zone="ambient", aisle=2, bay=1, shelf=1),
        Bin(sku="a", zone="ambient", aisle=1, bay=1, shelf=2),
        Bin(sku="c", zone="ambient", aisle=2, bay=5, shelf=1),
        Bin(sku="b", zone="ambient", aisle=1, bay=3, shelf=1),
        Bin(sku="a0", zone="ambient", aisle=1, bay=1, shelf=1),
    ]
    assert [b.sku for b in walk_order(bins)] == ["a0", "a", "b", "c", "d"]


def test_a_store_in_an_unknown_time_zone_is_refused():
    store = Store(store_id="kobe-x", name="x", lat=34.6, lng=135.1, timezone="Asia/Atlantis")
    with pytest.raises(InvalidInput) as caught:
        check_store(store)
    assert caught.value.field == "timezone"


def test_demo_catalog_is_a_real_grocery_assortment():
    catalog = demo_catalog()
    products = [p for p, _ in catalog]
    assert len(products) >= 200
    assert all(is_valid_ean13(p.ean) for p in products)
    assert len({p.ean for p in products}) == len({p.sku for p in products}) == len(products)
    assert set(Counter(p.zone for p in products)) == {"ambient", "chilled", "frozen", "produce"}
    assert sum(p.unit == "kg" for p in products) >= 10
    assert all(p.name_ja and p.name_en for p in products)
    assert demo_catalog() == catalog  # seeded, so every `omo up --fresh` is the same store
