"""The catalog's pure types and rules: no I/O, no framework."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from shared.barcodes import is_valid_ean13
from shared.errors import InvalidInput

Zone = Literal["ambient", "chilled", "frozen", "produce"]
Unit = Literal["each", "kg"]


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
