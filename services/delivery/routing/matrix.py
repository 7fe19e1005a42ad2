"""Travel between points by geodesic distance (WGS-84, geopy), DESIGN.md section 5: pure.

A rider's way is the geodesic distance times a detour factor (roads are not straight lines);
the ride takes that way at the rider's speed, so `durations_s[i][j]` equals
`promise.ride_time(geodesic metres)`. A road-network provider may replace this later.
"""

from __future__ import annotations

from collections.abc import Sequence

from geopy.distance import geodesic
from geopy.point import Point


def travel_matrix(
    points: Sequence[tuple[float, float]], *, detour_factor: float, speed_kmh: float
) -> tuple[list[list[float]], list[list[float]]]:
    """(durations in seconds, distances in metres) between every two (lat, lng) `points`."""
    places = [Point(lat, lng) for lat, lng in points]
    # Points parsed once and one geodesic for all pairs: ~70 µs a pair here, not ~115; still
    # ~0.4 s for 110 places, so a caller re-planning often may want to cache pairs.
    measure = geodesic().measure
    n = len(places)
    metres = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            metres[i][j] = metres[j][i] = measure(places[i], places[j]) * 1000 * detour_factor
    metres_per_s = speed_kmh * 1000 / 3600
    durations = [[m / metres_per_s for m in row] for row in metres]
    return durations, metres
