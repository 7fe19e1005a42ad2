"""Distances and offsets on the earth, for the simulated shoppers, riders and stores: no
dependency on the rest of the simulation, so the city, the world and the stack can each use
them."""

from __future__ import annotations

import math

EARTH_M = 6_371_000.0


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (metres); close enough to geodesic for a few kilometres."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_M * math.asin(math.sqrt(h))


def offset(origin: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    lat, lng = origin
    dlat = metres * math.cos(bearing) / 111_320
    dlng = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng
