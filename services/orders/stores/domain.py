"""Stores' pure types and rules: no I/O, no framework."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from geopy.distance import geodesic

from shared.errors import InvalidInput
from shared.events import Latitude, Longitude
from shared.money import EXPONENTS, Currency

# The largest delivery radius a store may have; the store finder relies on it to read only the
# stores near a point (the database holds it too, as a CHECK on orders.stores).
MAX_RADIUS_M = 20_000
# Fewer metres than any degree of latitude has (110,574 m at the equator), so boxes err wide.
_METRES_PER_DEGREE = 110_000

STORE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,62}$"
StoreId = Annotated[str, msgspec.Meta(pattern=STORE_ID_PATTERN, examples=["kobe-sannomiya"])]
RadiusM = Annotated[int, msgspec.Meta(gt=0, le=MAX_RADIUS_M)]


class Store(msgspec.Struct, frozen=True, kw_only=True):
    store_id: StoreId
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    lat: Latitude
    lng: Longitude
    radius_m: RadiusM = 3000
    currency: Currency = "JPY"
    timezone: str = "Asia/Tokyo"


class BarcodePrefixes(msgspec.Struct, frozen=True, kw_only=True):
    """The 2-digit prefixes of a store's variable-measure barcodes (shared/barcodes.py).

    Set in the database only (orders.stores keeps the GS1 defaults); the API does not change
    them, but `store.updated` tells them so that every service reads labels as the tills do.
    """

    weight_prefixes: list[str]
    price_prefixes: list[str]


class NearbyStore(Store, frozen=True, kw_only=True):
    """A store that delivers to the point asked about, and how far the point is from it."""

    distance_m: int


class BoundingBox(msgspec.Struct, frozen=True):
    """Latitude and longitude ranges holding every point within some metres of a centre.

    Longitude is two ranges so a box across the antimeridian needs no special query; when it
    does not cross, both ranges are the same.
    """

    min_lat: float
    max_lat: float
    west: tuple[float, float]
    east: tuple[float, float]


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


def bounding_box(lat: float, lng: float, metres: float) -> BoundingBox:
    """A box (a little wider than needed) around every point within `metres` of (lat, lng)."""
    dlat = metres / _METRES_PER_DEGREE
    min_lat, max_lat = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    # A degree of longitude is shortest at the box's edge nearest a pole.
    cos_edge = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    dlng = metres / (_METRES_PER_DEGREE * cos_edge) if cos_edge > 1e-9 else 360.0
    if dlng >= 180:
        whole = (-180.0, 180.0)
        return BoundingBox(min_lat, max_lat, whole, whole)
    west, east = lng - dlng, lng + dlng
    if west < -180:
        return BoundingBox(min_lat, max_lat, (west + 360, 180.0), (-180.0, east))
    if east > 180:
        return BoundingBox(min_lat, max_lat, (west, 180.0), (-180.0, east - 360))
    return BoundingBox(min_lat, max_lat, (west, east), (west, east))


def covering_stores(stores: Iterable[Store], lat: float, lng: float) -> list[NearbyStore]:
    """The stores whose radius covers the point, nearest first (geodesic, whole metres)."""
    found = []
    for store in stores:
        distance = round(geodesic((store.lat, store.lng), (lat, lng)).meters)
        if distance <= store.radius_m:
            fields = msgspec.structs.asdict(store)
            found.append(NearbyStore(**fields, distance_m=distance))
    return sorted(found, key=lambda s: (s.distance_m, s.store_id))
