"""The contract between services: every topic and its payload, declared once, versioned.

An event is a frozen msgspec struct with its `topic`, its schema `version` and the `key` that
orders it (events of one key are handled in publish order). Services import these and nothing
of each other's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

import msgspec

from shared.money import Money

Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class Event(msgspec.Struct, frozen=True, kw_only=True):
    topic: ClassVar[str]
    version: ClassVar[int] = 1
    key_field: ClassVar[str]  # the field whose value orders this event (an order id, a store id)

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


class StoreUpdated(Event, frozen=True, kw_only=True):
    """A store was opened or its public facts changed (orders owns stores)."""

    topic: ClassVar[str] = "store.updated"
    key_field: ClassVar[str] = "store_id"

    store_id: str
    name: str
    lat: Latitude
    lng: Longitude
    radius_m: Annotated[int, msgspec.Meta(gt=0)]
    currency: str
    timezone: str
    # 2-digit prefixes of the store's variable-measure barcodes (shared/barcodes.py)
    weight_prefixes: list[str] = msgspec.field(
        default_factory=lambda: ["20", "21", "22", "23", "24"]
    )
    price_prefixes: list[str] = msgspec.field(
        default_factory=lambda: ["25", "26", "27", "28", "29"]
    )


Fulfilment = Literal["delivery", "pickup"]
Zone = Literal["ambient", "chilled", "frozen", "produce"]
Unit = Literal["each", "kg"]
DecidedBy = Literal["shopper", "preference"]  # who decided a substitute: they, or their preference
# Every state an online order can be in (orders.orders' CHECK), an enum in the documents.
OrderStatus = Literal[
    "awaiting_payment", "payment_failed", "expired", "placed", "picking", "picked", "packed",
    "out_for_delivery", "delivered", "delivery_failed", "ready_for_pickup", "collected",
    "cancelled",
]  # fmt: skip


class Address(msgspec.Struct, frozen=True, kw_only=True):
    lat: Latitude
    lng: Longitude
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class PlacedLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line as ordered: `quantity` is pieces for `each`, grams for `kg`; `unit_price` per
    piece or per kilogram, in the order's currency (every line of an order has the same)."""

    line_no: int
    sku: str
    name_en: str
    name_ja: str
    zone: Zone
    unit: Unit
    quantity: int
    unit_price: Money
    substitution: str  # none | same_brand | any | sku:<SKU>
    ean: str = ""  # the product's EAN-13, which the picker scans (its PLU for weighed products)


class OrderPlaced(Event, frozen=True, kw_only=True):
    """An online order is paid (authorized): fulfillment may pick it, delivery may plan it.
    v2: each line's price is `Money`, and the order's currency is read off its lines (v1 had a
    bare integer price and a `currency` beside the lines; stored ones were rewritten on
    upgrade, kernel/0008)."""

    topic: ClassVar[str] = "order.placed"
    version: ClassVar[int] = 2
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    member_id: str
    fulfilment: Fulfilment
    address: Address | None
    promise_at: datetime
    lines: list[PlacedLine]
    # False for a basket bagged at the till and sent home: nothing to pick, it is packed already.
    needs_picking: bool = True
    # The code the member shows the rider, when orders printed it already (an order staff
    # placed on a member's behalf); delivery makes one of its own when None. Left out of
    # webhooks (services/orders/webhooks/service.py).
    handover_code: str | None = None


class OrderCancelled(Event, frozen=True, kw_only=True):
    """An order will not be fulfilled: its stock is released and its authorization voided."""

    topic: ClassVar[str] = "order.cancelled"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    reason: str


class Substitute(msgspec.Struct, frozen=True, kw_only=True):
    """What went into the bag instead of (part of) an ordered line."""

    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int  # pieces, or grams for `kg`
    unit_price: Money  # per piece, or per kilogram


class PackedLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line as packed: `picked` of the ordered sku (pieces or grams), and any substitute."""

    line_no: int
    sku: str
    picked: int
    substitute: Substitute | None = None


class Bag(msgspec.Struct, frozen=True, kw_only=True):
    """A physical bag: opened for `zone` (bag `number` of `of` of that zone), and holding
    every zone in `zones` when a later zone of the same cold-chain group shared it (empty in
    events from before bags were shared: `zone` alone)."""

    code: str  # printed on the bag's QR label
    zone: Zone
    number: int
    of: int
    zones: list[Zone] = []


class TaskStages(msgspec.Struct, frozen=True, kw_only=True):
    """When each stage of one zone's picking happened, and by whom."""

    zone: Zone
    picker_id: str
    claimed_at: datetime
    first_scan_at: datetime | None
    picked_at: datetime
    packed_at: datetime


class OrderPacked(Event, frozen=True, kw_only=True):
    """Every zone of an order is packed: the final lines decide what the shopper pays.
    v2: a substitute's price is `Money` (v1's bare integers were rewritten on upgrade)."""

    topic: ClassVar[str] = "order.packed"
    version: ClassVar[int] = 2
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    lines: list[PackedLine]
    bags: list[Bag]
    stages: list[TaskStages] = []


SubstituteReasonCode = Literal[
    "named_by_shopper", "same_kind", "same_brand", "same_size", "similar_size", "same_price",
    "cheaper", "dearer",
]  # fmt: skip


class SubstituteReason(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One thing said of a substitute, as a code and what its sentence needs, so that each screen
    words it in its own language: `same_kind` the `kind` words both (English) names share,
    `same_brand` the `brand`, `same_size` and `similar_size` the substitute's `size` as its name
    states it ("1 L"), `cheaper` and `dearer` the price `difference` (per kilogram when
    `per_kg`). A parameter its code does not take is left out."""

    code: SubstituteReasonCode
    kind: list[str] = []
    brand: str | None = None
    size: str | None = None
    difference: Money | None = None
    per_kg: bool = False


class SubstitutionProposed(Event, frozen=True, kw_only=True):
    """A picker found a line short and proposes a substitute for the shopper to decide.
    v2: the substitute's price is `Money` (v1's bare integers were rewritten on upgrade)."""

    topic: ClassVar[str] = "substitution.proposed"
    version: ClassVar[int] = 2
    key_field: ClassVar[str] = "order_id"

    substitution_id: str
    order_id: str
    store_id: str
    line_no: int
    short_by: int  # pieces, or grams
    substitute: Substitute
    decide_by: datetime
    # Why the catalog offered it, for the shopper deciding: in English words ("same kind (milk);
    # same size (1 L); JPY 40 cheaper"), and as codes any screen words in its language. Both
    # empty in proposals made before the catalog said, `why` in those made before it had codes.
    reason: str = ""
    why: list[SubstituteReason] = []


class SubstitutionDecided(Event, frozen=True, kw_only=True):
    """The shopper (or, when they did not answer in time, the line's preference) decided."""

    topic: ClassVar[str] = "substitution.decided"
    key_field: ClassVar[str] = "order_id"

    substitution_id: str
    order_id: str
    store_id: str
    line_no: int
    approved: bool
    by: DecidedBy


class OrderReadyForPickup(Event, frozen=True, kw_only=True):
    """A packed pickup order waits in a staging slot for its shopper (after `order.packed`)."""

    topic: ClassVar[str] = "order.ready_for_pickup"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    slot: str
    bags: list[Bag]


class OrderCollected(Event, frozen=True, kw_only=True):
    """A pickup order was handed over at the counter against its QR code."""

    topic: ClassVar[str] = "order.collected"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str


class RiderAssigned(Event, frozen=True, kw_only=True):
    """A rider was given a route: these orders, in this order (delivery's dispatcher)."""

    topic: ClassVar[str] = "rider.assigned"
    key_field: ClassVar[str] = "route_id"

    route_id: str
    store_id: str
    rider_id: str
    order_ids: list[str]
    etas: list[datetime]  # arrival at each order's door, in route order


class OrderOutForDelivery(Event, frozen=True, kw_only=True):
    """The rider scanned the order's bags out of the store."""

    topic: ClassVar[str] = "order.out_for_delivery"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    rider_id: str
    route_id: str
    eta: datetime


class OrderDelivered(Event, frozen=True, kw_only=True):
    """Handed over at the door, with proof: the code the shopper's app showed, or a photo."""

    topic: ClassVar[str] = "order.delivered"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    rider_id: str
    proof: Literal["code", "photo"]
    photo_ref: str | None = None


class DeliveryFailed(Event, frozen=True, kw_only=True):
    """The rider could not hand the order over; the bags go back to the store."""

    topic: ClassVar[str] = "delivery.failed"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    rider_id: str
    reason: Literal["not_home", "refused", "address_not_found", "damaged", "rider_incident"]
    note: str | None = None


class PaymentCaptured(Event, frozen=True, kw_only=True):
    """The final amount of an order was charged. v2: `amount` is `Money` (v1 had it flat, an
    integer beside a `currency`; stored ones were rewritten on upgrade, kernel/0008)."""

    topic: ClassVar[str] = "payment.captured"
    version: ClassVar[int] = 2
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    amount: Money


class PaymentRefunded(Event, frozen=True, kw_only=True):
    """Part or all of a captured order was paid back. v2: `amount` is `Money`, as in
    `payment.captured`."""

    topic: ClassVar[str] = "payment.refunded"
    version: ClassVar[int] = 2
    key_field: ClassVar[str] = "order_id"

    order_id: str
    store_id: str
    amount: Money


class SoldLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line of an in-store sale: `quantity` is pieces for `each`, grams for `kg`."""

    sku: str
    unit: Unit
    quantity: int


class SaleRecorded(Event, frozen=True, kw_only=True):
    """A basket was sold in the store: rung up at a till or paid in a scan-and-go cart. The
    member it was sold to, if one was attached; what they took."""

    topic: ClassVar[str] = "sale.recorded"
    key_field: ClassVar[str] = "sale_id"

    sale_id: str
    store_id: str
    channel: Literal["till", "scan_and_go"]
    member_id: str | None
    lines: list[SoldLine]
    order_id: str | None = None  # the delivery order, when the basket went home by rider


class MemberErased(Event, frozen=True, kw_only=True):
    """A member deleted their account: every service forgets what it holds of them (their
    addresses, their phone) and refuses their tokens from now on."""

    topic: ClassVar[str] = "member.erased"
    key_field: ClassVar[str] = "member_id"

    member_id: str


TOPICS: dict[str, type[Event]] = {
    cls.topic: cls
    for cls in (
        StoreUpdated,
        OrderPlaced,
        OrderCancelled,
        OrderPacked,
        SubstitutionProposed,
        SubstitutionDecided,
        OrderReadyForPickup,
        OrderCollected,
        RiderAssigned,
        OrderOutForDelivery,
        OrderDelivered,
        DeliveryFailed,
        PaymentCaptured,
        PaymentRefunded,
        SaleRecorded,
        MemberErased,
    )
}


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """An event as the bus delivers it: its id, place in the log, when it happened, and the id
    of the request that published it (None when no request did)."""

    id: UUID
    seq: int
    topic: str
    key: str
    version: int
    occurred_at: datetime
    event: Event
    request_id: str | None = None


class UnknownEvent(Exception):
    """An event in the log that this code cannot decode (unknown topic or newer version)."""


def decode(topic: str, version: int, payload: object) -> Event:
    cls = TOPICS.get(topic)
    if cls is None:
        raise UnknownEvent(f"unknown topic {topic!r}")
    if version > cls.version:
        raise UnknownEvent(f"{topic} v{version} is newer than this code's v{cls.version}")
    return msgspec.convert(payload, cls)
