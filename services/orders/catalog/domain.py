"""The catalog's pure types and rules: no I/O, no framework."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import msgspec

from services.orders.catalog.allergens import Allergen
from services.orders.catalog.tax import RATES, TaxClass
from shared.barcodes import is_valid_ean13
from shared.errors import Conflict, InvalidInput, NotFound
from shared.limits import BIGINT_MAX, INT_MAX
from shared.money import Money

Zone = Literal["ambient", "chilled", "frozen", "produce"]
Unit = Literal["each", "kg"]
# Stock of an `each` product counts pieces; of a `kg` product, grams.
STOCK_UNIT: dict[str, Literal["piece", "g"]] = {"each": "piece", "kg": "g"}
MAX_PRICE = 2**31 - 1  # orders.products.price is an int
MAX_ITEMS = 1000
MAX_QUANTITY = 10**12  # pieces or grams; well inside orders.products' bigint
# How a line may be substituted, as checkout keeps it: none | same_brand | any | sku:<SKU>.
PREFERENCE_PATTERN = r"^(none|same_brand|any|sku:.+)$"

# A sku appears in URLs (/products/{sku}), so it keeps to characters that need no escaping.
Sku = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["SKU-10001"]
    ),
]
Ean = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{13}$", examples=["4900000100013"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Category = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", examples=["vegetables"])
]
Quantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]
ImageUrl = Annotated[
    str,
    msgspec.Meta(
        max_length=500, pattern=r"^https://\S+$", examples=["https://img.example.jp/SKU-10001.jpg"]
    ),
]
ImageUrls = Annotated[list[ImageUrl], msgspec.Meta(max_length=10)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
Allergens = Annotated[list[Allergen], msgspec.Meta(max_length=28)]
# The kana reading of the Japanese name, so that a search in kana finds a name in kanji.
Reading = Annotated[str, msgspec.Meta(max_length=200, examples=["だいこん 1ほん"])]


class Content(msgspec.Struct, frozen=True, kw_only=True):
    """What an app shows of a product beyond its name and price, and its consumption tax class
    (its price includes the tax; services/orders/catalog/tax.py)."""

    image_urls: ImageUrls = msgspec.field(default_factory=list)
    description_en: Description = ""
    description_ja: Description = ""
    allergens: Allergens = msgspec.field(default_factory=list)  # as its label names them
    tax_class: TaxClass = "reduced"  # reduced (8 %): food and drink but alcohol; standard (10 %)
    reading: Reading = ""


class Product(Content, frozen=True, kw_only=True):
    sku: str
    ean: str
    name_en: str
    name_ja: str
    brand: str
    category: str
    zone: Zone
    unit: Unit
    price: Annotated[int, msgspec.Meta(ge=0, le=INT_MAX)]
    on_hand: Annotated[int, msgspec.Meta(ge=0, le=BIGINT_MAX)] = 0


class StockedProduct(Product, frozen=True, kw_only=True):
    """A product as stored: with the part of its stock that online orders hold."""

    reserved: int = 0


class StockRow(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    unit: Unit
    on_hand: int
    reserved: int


class ProductDefinition(Content, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a product is and costs; its stock is counted separately."""

    sku: Sku
    ean: Ean
    name_en: Name
    name_ja: Name
    brand: Annotated[str, msgspec.Meta(max_length=120)] = ""
    category: Category
    zone: Zone
    unit: Unit
    price: Money  # per piece for `each`, per kilogram for `kg`


class PriceChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    price: Money


class StockCount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A stock take's result: pieces for `each`, grams for `kg`."""

    sku: Sku
    on_hand: Quantity


class CatalogItem(Content, frozen=True, kw_only=True):
    sku: str
    ean: str
    name_en: str
    name_ja: str
    brand: str
    category: str
    zone: Zone
    unit: Unit
    price: Money
    price_per: Unit  # the price is per piece (`each`) or per kilogram (`kg`)
    available: int  # on hand and not held by online orders, in `available_unit`
    available_unit: Literal["piece", "g"]
    in_stock: bool
    tax_rate_pct: int  # of the tax class, included in the price


class Upserted(msgspec.Struct, frozen=True, kw_only=True):
    created: int
    updated: int


class Updated(msgspec.Struct, frozen=True, kw_only=True):
    updated: int


def check_product(product: Product) -> Product:
    if not is_valid_ean13(product.ean):
        raise InvalidInput(f"{product.ean} is not an EAN-13 with a valid check digit", field="ean")
    return product


def catalog_item(product: StockedProduct, currency: str) -> CatalogItem:
    # Below zero when the till sold units online orders hold: none to sell online.
    available = max(0, product.on_hand - product.reserved)
    return CatalogItem(
        sku=product.sku,
        ean=product.ean,
        name_en=product.name_en,
        name_ja=product.name_ja,
        brand=product.brand,
        category=product.category,
        zone=product.zone,
        unit=product.unit,
        price=Money(product.price, currency),
        price_per=product.unit,
        available=available,
        available_unit=STOCK_UNIT[product.unit],
        in_stock=available > 0,
        tax_rate_pct=RATES[product.tax_class],
        image_urls=product.image_urls,
        description_en=product.description_en,
        description_ja=product.description_ja,
        allergens=product.allergens,
        tax_class=product.tax_class,
        reading=product.reading,
    )


def check_price(price: Money, currency: str, *, field: str) -> None:
    if price.currency != currency:
        raise InvalidInput(
            f"this store prices in {currency}, not {price.currency}", field=f"{field}.currency"
        )
    if not 0 <= price.amount <= MAX_PRICE:
        raise InvalidInput(
            f"a price is 0 to {MAX_PRICE} minor units, not {price.amount}", field=f"{field}.amount"
        )


def _refuse_repeats(values: Sequence[str], *, what: str, field: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise InvalidInput(f"{what} {value} appears twice", field=f"items[{i}].{field}")
        seen.add(value)


def check_definitions(items: Sequence[ProductDefinition], currency: str) -> None:
    """Everything about a batch of definitions that needs no database; the first fault wins."""
    for i, item in enumerate(items):
        if not is_valid_ean13(item.ean):
            raise InvalidInput(
                f"{item.ean} is not an EAN-13 with a valid check digit", field=f"items[{i}].ean"
            )
        check_price(item.price, currency, field=f"items[{i}].price")
        if len(set(item.allergens)) < len(item.allergens):
            raise InvalidInput("an allergen is named twice", field=f"items[{i}].allergens")
    _refuse_repeats([item.sku for item in items], what="sku", field="sku")
    _refuse_repeats([item.ean for item in items], what="ean", field="ean")


def plan_definitions(
    items: Sequence[ProductDefinition],
    existing: Mapping[str, StockRow],
    ean_owners: Mapping[str, str],
) -> Upserted:
    """How many definitions create and update products, refusing those that clash with stock.

    `existing` holds the stored products among the items by sku; `ean_owners` the sku that
    holds each of the items' EANs now.
    """
    skus = {item.sku for item in items}
    for i, item in enumerate(items):
        owner = ean_owners.get(item.ean)
        if owner is not None and owner != item.sku and owner not in skus:
            raise Conflict(f"EAN {item.ean} belongs to {owner}", field=f"items[{i}].ean")
        stored = existing.get(item.sku)
        if stored and stored.unit != item.unit and (stored.on_hand or stored.reserved):
            raise Conflict(
                f"{item.sku} has stock counted in {STOCK_UNIT[stored.unit]}s; "
                "count its stock to 0 before changing its unit",
                field=f"items[{i}].unit",
            )
    created = sum(item.sku not in existing for item in items)
    return Upserted(created=created, updated=len(items) - created)


def _known(sku: str, known: Mapping[str, StockRow], i: int) -> StockRow:
    try:
        return known[sku]
    except KeyError:
        raise NotFound(f"this store has no product {sku}", field=f"items[{i}].sku") from None


def check_price_changes(
    changes: Sequence[PriceChange], currency: str, known: Mapping[str, StockRow]
) -> None:
    _refuse_repeats([c.sku for c in changes], what="sku", field="sku")
    for i, change in enumerate(changes):
        _known(change.sku, known, i)
        check_price(change.price, currency, field=f"items[{i}].price")


def check_stock_counts(counts: Sequence[StockCount], known: Mapping[str, StockRow]) -> None:
    """A count is a fact and is recorded, even below what online orders hold (the till rule,
    services/orders/stock/store.py): the online channel then has none to sell, and the pick
    of those orders comes up short, which picking turns into a substitution."""
    _refuse_repeats([c.sku for c in counts], what="sku", field="sku")
    for i, count in enumerate(counts):
        _known(count.sku, known, i)
