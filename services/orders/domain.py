"""Orders' pure types and rules: no I/O, no framework."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from shared.barcodes import is_valid_ean13
from shared.errors import InvalidInput
from shared.events import Latitude, Longitude
from shared.money import EXPONENTS, Currency

StoreId = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$", examples=["kobe-sannomiya"])
]
Zone = Literal["ambient", "chilled", "frozen", "produce"]
Unit = Literal["each", "kg"]


class Store(msgspec.Struct, frozen=True, kw_only=True):
    store_id: StoreId
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    lat: Latitude
    lng: Longitude
    radius_m: Annotated[int, msgspec.Meta(gt=0, le=20_000)] = 3000
    currency: Currency = "JPY"
    timezone: str = "Asia/Tokyo"


def check_store(store: Store) -> Store:
    """Rules the types cannot say: a currency we can count in, a known time zone."""
    if store.currency not in EXPONENTS:
        raise InvalidInput(f"currency {store.currency} is not supported", field="currency")
    try:
        ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{store.timezone!r} is not an IANA time zone", field="timezone"
        ) from None
    return store


class Product(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    ean: str
    name_en: str
    name_ja: str
    brand: str
    category: str
    zone: Zone
    unit: Unit
    price: Annotated[int, msgspec.Meta(ge=0)]
    on_hand: Annotated[int, msgspec.Meta(ge=0)] = 0


def check_product(product: Product) -> Product:
    if not is_valid_ean13(product.ean):
        raise InvalidInput(f"{product.ean} is not an EAN-13 with a valid check digit", field="ean")
    return product
