"""Tax and allergens on what a customer takes home: the till's receipt, a scan-and-go cart, and
the delivery order a basket becomes. Prices include the tax; each rate's tax is rounded down
once per receipt."""

from __future__ import annotations

import pytest

from shared.auth import Role
from tests.integration.apps import bearer
from tests.integration.selling import CASHIER, MILK, POTATOES, STORE, ean, weight_label
from tests.integration.shopping import KOBE, key, yen

SALES = f"/v1/stores/{STORE}/sales"
MANAGER = bearer(Role.MANAGER, store=STORE)
CASH = {"kind": "cash", "received": {"amount": 10_000, "currency": "JPY"}}
PAPER, PEANUT_BREAD = "SKU-30001", "SKU-10229"  # 298 yen, standard; 168 yen, reduced
KITCHEN_PAPER = {
    "sku": PAPER,
    "ean": "4900000300017",
    "name_en": "Kitchen Paper 4 rolls",
    "name_ja": "キッチンペーパー 4ロール",
    "brand": "Store Brand",
    "category": "household",
    "zone": "ambient",
    "unit": "each",
    "price": {"amount": 298, "currency": "JPY"},
    "tax_class": "standard",
}


# Two kitchen paper (596, 10 %), the peanut bread (168), milk (278) and 750 g of potatoes (299),
# food at 8 %: 745. The tax in 745 at 8 % is 55.19, rounded down once: 55; line by line it would
# be 12 + 20 + 22 = 54. The tax in 596 at 10 % is 54.18: 54.
TAXES = [
    {"tax_class": "reduced", "rate_pct": 8, "total": yen(745), "tax": yen(55)},
    {"tax_class": "standard", "rate_pct": 10, "total": yen(596), "tax": yen(54)},
]


def _basket() -> list[str]:
    return [ean(PAPER), ean(PEANUT_BREAD), ean(PAPER), ean(MILK), weight_label(POTATOES, 750)]


@pytest.fixture
async def kitchen_paper(database):
    """The store sells kitchen paper too: not food, so at the standard rate."""

    async def define(c) -> None:
        put = await c.put(
            f"/v1/stores/{STORE}/products", json={"items": [KITCHEN_PAPER]}, headers=MANAGER
        )
        counted = await c.patch(
            f"/v1/stores/{STORE}/stock",
            json={"items": [{"sku": PAPER, "on_hand": 20}]},
            headers=MANAGER,
        )
        assert (put.status_code, counted.status_code) == (200, 200), (put.text, counted.text)

    return define


async def test_a_till_receipt_shows_each_rate_its_tax_and_every_lines_allergens(
    in_store, kitchen_paper
):
    await kitchen_paper(in_store)
    response = await in_store.post(
        SALES, json={"barcodes": _basket(), "tender": CASH}, headers={**CASHIER, **key()}
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["total"] == yen(745 + 596)
    assert receipt["taxes"] == TAXES
    lines = {x["sku"]: x for x in receipt["lines"]}
    assert (lines[PAPER]["quantity"], lines[PAPER]["tax_rate_pct"]) == (2, 10)
    assert lines[PAPER]["allergens"] == []
    assert lines[PEANUT_BREAD]["tax_rate_pct"] == 8
    assert lines[PEANUT_BREAD]["allergens"] == ["wheat", "peanut", "milk", "soybean"]
    assert lines[MILK]["allergens"] == ["milk"]
    assert lines[POTATOES]["allergens"] == []


async def test_a_receipt_of_food_only_shows_the_reduced_rate_alone(in_store):
    response = await in_store.post(
        SALES, json={"barcodes": [ean(MILK)], "tender": CASH}, headers={**CASHIER, **key()}
    )
    assert response.json()["taxes"] == [
        {"tax_class": "reduced", "rate_pct": 8, "total": yen(278), "tax": yen(20)}  # 20.59
    ]


async def test_a_basket_sent_home_shows_the_same_taxes_on_its_delivery_order(orders, kitchen_paper):
    await kitchen_paper(orders)  # a rider is on shift: the basket can go home
    response = await orders.post(
        SALES,
        json={"barcodes": _basket(), "tender": CASH, "deliver_to": KOBE},
        headers={**CASHIER, **key()},
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    view = (await orders.get(f"/v1/orders/{receipt['order_id']}", headers=MANAGER)).json()
    assert receipt["taxes"] == view["amounts"]["taxes"] == TAXES
    assert {x["sku"]: x["tax_rate_pct"] for x in view["lines"]} == {
        PAPER: 10,
        PEANUT_BREAD: 8,
        MILK: 8,
        POTATOES: 8,
    }


async def test_a_scan_and_go_cart_shows_the_same_split_while_the_shopper_scans(
    in_store, kitchen_paper
):
    await kitchen_paper(in_store)
    carts = f"/v1/stores/{STORE}/scan-and-go/carts"
    shopper = bearer(Role.SHOPPER, member="mem_tax_1")
    opened = await in_store.post(carts, headers={**shopper, **key()})
    cart_id = opened.json()["cart_id"]
    for code in _basket():
        scanned = await in_store.post(
            f"{carts}/{cart_id}/scans", json={"barcode": code}, headers={**shopper, **key()}
        )
        assert scanned.status_code == 201, scanned.text
    cart = (await in_store.get(f"{carts}/{cart_id}", headers=shopper)).json()
    assert cart["total"] == yen(745 + 596)
    assert cart["taxes"] == TAXES
    bread = next(x for x in cart["lines"] if x["sku"] == PEANUT_BREAD)
    assert (bread["tax_rate_pct"], bread["allergens"]) == (
        8,
        ["wheat", "peanut", "milk", "soybean"],
    )
