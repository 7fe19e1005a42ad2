"""In-store sales (the till and scan-and-go): pure types and rules. No I/O.

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
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from geopy.distance import geodesic

from services.orders.checkout.domain import line_cost
from shared.barcodes import Scan, read_scan
from shared.errors import InvalidInput
from shared.events import Address, Bag, Unit, Zone
from shared.money import Money

MAX_SCANS = 200
ScanKind = Literal["gtin", "weight", "price"]
TenderKind = Literal["cash", "card_terminal", "card_online"]
Barcode = Annotated[str, msgspec.Meta(min_length=1, max_length=32, examples=["4900000100013"])]


class Cash(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="cash",
):
    """Notes and coins handed over; the receipt says the change."""

    received: Money


class CardTerminal(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="card_terminal",
):
    """Paid on the till's card terminal; `reference` is the terminal's transaction id."""

    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


Tender = Cash | CardTerminal


class SaleRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    barcodes: Annotated[list[Barcode], msgspec.Meta(min_length=1, max_length=MAX_SCANS)]
    member_code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    tender: Tender
    # The basket, bagged at the till, goes home by rider: a delivery order that is packed already.
    deliver_to: Address | None = None


class Till(msgspec.Struct, frozen=True, kw_only=True):
    """What a store's tills need to know of it."""

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


class ReceiptLine(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    scan: ScanKind
    unit: Unit
    quantity: int  # pieces, or grams
    unit_price: Money  # per piece, or per kilogram
    amount: Money


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    sale_id: str
    store_id: str
    sold_at: datetime
    member_id: str | None
    lines: list[ReceiptLine]
    total: Money
    tender: TenderKind
    received: Money | None  # cash only
    change: Money | None  # cash only
    order_id: str | None  # the delivery order, when the basket goes home by rider
    promise_at: datetime | None = None  # ... and when it will be at the door


def receipt_lines(lines: Sequence[Line], currency: str) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            line_no=n,
            sku=x.sku,
            name_en=x.name_en,
            name_ja=x.name_ja,
            scan=x.scan,
            unit=x.unit,
            quantity=x.quantity,
            unit_price=Money(x.unit_price, currency),
            amount=Money(x.amount, currency),
        )
        for n, x in enumerate(lines, 1)
    ]


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


def change_due(tender: Tender, total: Money) -> Money | None:
    """The change for cash; cash must cover the total, in the store's currency."""
    if not isinstance(tender, Cash):
        return None
    received = tender.received
    if received.currency != total.currency:
        raise InvalidInput(
            f"this store takes {total.currency}, not {received.currency}",
            field="tender.received.currency",
        )
    if received.amount < total.amount:
        raise InvalidInput(
            f"received {received.amount} {received.currency}, less than the total of "
            f"{total.amount} {total.currency}",
            field="tender.received",
        )
    return received - total


def check_deliverable(till: Till, address: Address) -> None:
    """The store's riders go as far as its delivery radius, and no further."""
    distance = geodesic((till.lat, till.lng), (address.lat, address.lng)).meters
    if distance > till.radius_m:
        raise InvalidInput(
            f"the address is {distance / 1000:.1f} km away; this store delivers within "
            f"{till.radius_m} m",
            field="deliver_to",
        )


def bags(order_id: str, zones: Sequence[Zone]) -> list[Bag]:
    """One bag per temperature zone of a basket bagged at the till, in the order given."""
    unique = list(dict.fromkeys(zones))
    return [
        Bag(code=f"{order_id}-{zone}-1", zone=zone, number=n, of=len(unique))
        for n, zone in enumerate(unique, 1)
    ]
