"""Delivery's pure rules: no I/O, no framework."""

from __future__ import annotations

import msgspec
from geopy.distance import geodesic

from shared.events import Latitude, Longitude


class Zone(msgspec.Struct, frozen=True, kw_only=True):
    """A store's delivery area: a circle of `radius_m` around the store."""

    store_id: str
    lat: Latitude
    lng: Longitude
    radius_m: int


class Rider(msgspec.Struct, frozen=True):
    """A rider the store employs, with their own box if they have one."""

    rider_id: str
    name: str
    box_bags: int | None = None  # their own box; None: the store's


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    radius_m: int
    distance_m: int
    deliverable: bool


def coverage(zone: Zone, lat: float, lng: float) -> Coverage:
    """Whether a point is inside the zone, by geodesic (WGS-84) distance in whole metres.

    geopy for the one pair (about 70 µs); the dispatcher's travel matrix (`routing.matrix`)
    measures the same straight line to within 3e-6 % at 3 km, so a door the zone takes is as
    far for the riders' plan as it was for the promise."""
    distance = round(geodesic((zone.lat, zone.lng), (lat, lng)).meters)
    return Coverage(
        store_id=zone.store_id,
        radius_m=zone.radius_m,
        distance_m=distance,
        deliverable=distance <= zone.radius_m,
    )
