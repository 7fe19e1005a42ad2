"""What a member's history is made of: entries across channels, and what they buy again."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from shared.events import OrderStatus, Unit
from shared.money import Money


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["online_delivery", "online_pickup", "pickup", "till", "scan_and_go"]
    store_id: str
    ref: str  # the order or sale id
    status: OrderStatus | Literal["paid"]  # a sale is paid
    amount: Money | None  # what it cost after refunds; none for a pickup collected
    at: datetime


class Favourite(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    times: int
    name_en: str
    name_ja: str
    unit: Unit
    price: Money  # per piece, or per kilogram
    available: int  # pieces, or grams for `kg`
