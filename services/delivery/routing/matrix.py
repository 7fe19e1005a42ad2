"""Travel between points (docs/design.md): pure. Who measures the way is the caller's choice.

A `TravelMatrix` answers (durations in seconds, distances in metres) between every two
(lat, lng) points as numpy arrays; `StraightLineTravel` is the one we have: the straight line
times a detour factor (roads are not straight lines), ridden at the rider's speed, so
`durations_s[i][j]` equals `promise.ride_time(metres)`. A road-network provider (an OSRM or
Valhalla table service) can implement the same method later.

The straight line is the WGS-84 ellipsoid's, flattened around each pair's mean latitude: a
radian of latitude is the meridian's radius of curvature long, a radian of longitude the prime
vertical's times the cosine. Against geopy's geodesic (Karney) it differs by at most 3e-6 %
over 200 points within 3 km of Kobe (34.69, 135.19) (1e-4 % within 20 km, 1e-3 % within
60 km: the error grows with the square of the distance), where a haversine on the mean radius
is up to 0.24 % off, by the bearing. geopy measured every pair in a Python double loop: about
830 ms for 200 points, on every re-plan; this takes 1.4 ms as arrays and 2.7 ms as the nested
lists a `Problem` holds (`python -m bench.matrix`, 2 shared cores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# WGS-84: semi-major axis (metres) and first eccentricity squared.
A = 6_378_137.0
E2 = 6.694_379_990_14e-3

Points = Sequence[tuple[float, float]]


class TravelMatrix(Protocol):
    def durations_and_distances(self, points: Points) -> tuple[np.ndarray, np.ndarray]:
        """(durations in seconds, distances in metres), n x n float arrays, row = from."""
        ...


@dataclass(frozen=True)
class StraightLineTravel:
    """The ellipsoid's straight line times `detour_factor`, at `speed_kmh`; symmetric."""

    detour_factor: float
    speed_kmh: float

    def durations_and_distances(self, points: Points) -> tuple[np.ndarray, np.ndarray]:
        metres = straight_line_m(points) * self.detour_factor
        return metres / (self.speed_kmh / 3.6), metres

    def from_first(self, points: Points) -> tuple[np.ndarray, np.ndarray]:
        """The first row of `durations_and_distances`, the same numbers, without the rest of
        the matrix: from one new place (a quote's door) to all the others, 1 x n, not n x n."""
        metres = _straight_line_m(points, rows=1)[0] * self.detour_factor
        return metres / (self.speed_kmh / 3.6), metres


def straight_line_m(points: Points) -> np.ndarray:
    """Metres on the WGS-84 ellipsoid between every two (lat, lng) `points` (within ~100 km)."""
    return _straight_line_m(points, rows=None)


def _straight_line_m(points: Points, *, rows: int | None) -> np.ndarray:
    """From each of the first `rows` points (None: all) to every point."""
    at = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat = at[:, 0]
    # Longitudes from the first point's, wrapped: pairs across the antimeridian go the short way.
    lng = np.remainder(at[:, 1] - at[0, 1] + np.pi, 2 * np.pi) - np.pi
    # Of each pair's mean latitude m: cos 2m = cos(a + b), from the points' own sines and
    # cosines: no sine or cosine per pair.
    sin, cos = np.sin(lat), np.cos(lat)
    cos_2m = np.outer(cos[:rows], cos) - np.outer(sin[:rows], sin)
    w2 = 1 - E2 * (1 - cos_2m) / 2  # 1 - e² sin² m
    w = np.sqrt(w2)
    north = (lat[None, :] - lat[:rows, None]) * (A * (1 - E2) / (w2 * w))  # x meridian radius
    east = (lng[None, :] - lng[:rows, None]) * (A * np.sqrt((1 + cos_2m) / 2) / w)  # x N cos m
    return np.sqrt(north * north + east * east)  # np.hypot: 3 times as long


def travel_matrix(
    points: Points, *, detour_factor: float, speed_kmh: float
) -> tuple[list[list[float]], list[list[float]]]:
    """(durations in seconds, distances in metres) as nested lists, what a `Problem` holds."""
    durations, metres = StraightLineTravel(detour_factor, speed_kmh).durations_and_distances(points)
    return durations.tolist(), metres.tolist()
