"""Stores' pure types and rules: no I/O, no framework."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from shared.errors import InvalidInput
from shared.events import Latitude, Longitude
from shared.money import EXPONENTS, Currency

StoreId = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$", examples=["kobe-sannomiya"])
]


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
