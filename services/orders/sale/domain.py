"""A sale, at the till or by scan-and-go: pure types and rules for pricing what is scanned and
what leaves the shelf. No I/O.

The till sells what the customer holds: stock never refuses a sale, even of a unit an online
order reserved (the till rule, written out where stock is kept: services/orders/stock/store.py).
A scan-and-go cart follows the same rule when it is paid (its stock is not held while the
shopper scans).

Pricing, the same at the till and in a scan-and-go cart: a GTIN scan is one piece at the
product's price, and repeated scans add pieces; a weight label is grams x price per kg, rounded
half up (checkout's `line_cost`); a price label charges its printed price, and takes
grams = printed price / price per kg off the stock (rounded half up, at least 1 g).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import msgspec

from services.orders.catalog.allergens import Allergen
from services.orders.catalog.tax import TaxClass
from services.orders.checkout.domain import line_cost
from shared.barcodes import Scan, read_scan
from shared.errors import InvalidInput
from shared.events import Unit, Zone

MAX_SCANS = 200
ScanKind = Literal["gtin", "weight", "price"]
TenderKind = Literal["cash", "card_terminal", "card_online"]
Channel = Literal["till", "scan_and_go"]
Barcode = Annotated[str, msgspec.Meta(min_length=1, max_length=32, examples=["4900000100013"])]


class Till(msgspec.Struct, frozen=True, kw_only=True):
    """What selling in a store needs to know of it: its currency and its scales' label prefixes
    (at the till and on a shopper's phone alike), and how far its riders go (the till's
    deliver-home)."""

    currency: str
    lat: float
    lng: float
    radius_m: int
    weight_prefixes: list[str]
    price_prefixes: list[str]


class Product(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    ean: str
    plu: str | None
    name_en: str
    name_ja: str
    zone: Zone
    unit: Unit
    price: int  # per piece, or per kilogram
    tax_class: TaxClass
    allergens: list[Allergen]


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """A priced line: `quantity` is pieces for `each`, grams for `kg`."""

    barcode: str
    scan: ScanKind
    sku: str
    name_en: str
    name_ja: str
    zone: Zone
    unit: Unit
    quantity: int
    unit_price: int
    amount: int
    tax_class: TaxClass  # the product's when sold: its price includes the tax of that class
    allergens: list[Allergen]  # as the product's label names them


def read_scans(till: Till, barcodes: Sequence[str], fields: Sequence[str]) -> list[Scan]:
    """Every scan read with the store's variable-measure prefixes; the first bad one fails,
    named by its field."""
    return [
        read_scan(
            code,
            weight_prefixes=till.weight_prefixes,
            price_prefixes=till.price_prefixes,
            field=field,
        )
        for code, field in zip(barcodes, fields, strict=True)
    ]


def _grams_for_price(printed: int, per_kg: int) -> int:
    return max(1, (printed * 2000 + per_kg) // (2 * per_kg)) if per_kg else 1


def price_scan(
    barcode: str,
    scan: Scan,
    by_ean: Mapping[str, Product],
    by_plu: Mapping[str, Product],
    *,
    field: str,
) -> Line:
    """One scanned item at today's price; `barcode` is the code as scanned."""
    product = by_ean.get(scan.gtin or "") if scan.kind == "gtin" else by_plu.get(scan.plu or "")
    if product is None:
        what = f"barcode {barcode}" if scan.kind == "gtin" else f"PLU {scan.plu} ({barcode})"
        raise InvalidInput(f"no product of this store has {what}", field=field)
    if scan.kind == "gtin" and product.unit == "kg":
        raise InvalidInput(
            f"{product.sku} ({product.name_en}) is sold by weight: scan the scale's label",
            field=field,
        )
    if scan.kind == "gtin":
        quantity, amount = 1, product.price
    elif scan.kind == "weight":
        quantity = scan.grams or 0
        amount = line_cost("kg", quantity, product.price)
    else:
        amount = scan.price or 0
        quantity = _grams_for_price(amount, product.price)
    return Line(
        barcode=barcode,
        scan=scan.kind,
        sku=product.sku,
        name_en=product.name_en,
        name_ja=product.name_ja,
        zone=product.zone,
        unit=product.unit,
        quantity=quantity,
        unit_price=product.price,
        amount=amount,
        tax_class=product.tax_class,
        allergens=product.allergens,
    )


def combine(lines: Sequence[Line]) -> list[Line]:
    """Receipt lines: GTIN scans of one product become one line of pieces (where the first
    was scanned); every weight or price label stays a line of its own."""
    combined: list[Line] = []
    at: dict[str, int] = {}
    for line in lines:
        if line.scan != "gtin":
            combined.append(line)
        elif line.sku in at:
            first = combined[at[line.sku]]
            pieces = first.quantity + line.quantity
            combined[at[line.sku]] = msgspec.structs.replace(
                first, quantity=pieces, amount=line_cost("each", pieces, first.unit_price)
            )
        else:
            at[line.sku] = len(combined)
            combined.append(line)
    return combined


def stock_taken(lines: Sequence[Line]) -> dict[str, int]:
    """What leaves the shelf, per sku: pieces, or grams."""
    taken: Counter[str] = Counter()
    for line in lines:
        taken[line.sku] += line.quantity
    return dict(taken)
