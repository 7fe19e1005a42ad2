"""The travel matrix's build time and its difference from geopy's geodesic.

    python -m bench.matrix [--sizes 50,150,200] [--repeat 50] [--seed 1] [--radius-m 3000]

Points as `bench.dispatch_snapshot` places doors: uniform over the disc of `--radius-m` around
the demo store (Kobe Sannomiya). Per size: the median time of `StraightLineTravel` (numpy
arrays) and of `travel_matrix` (nested lists, what a `Problem` holds), the time geopy took in
the Python double loop it replaced (once), and the largest relative difference of the straight
line from geopy's geodesic over all pairs; a haversine on the WGS-84 mean radius for scale.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time

import numpy as np
from geopy.distance import geodesic

from services.delivery.routing.matrix import straight_line_m, travel_matrix

STORE = (34.6913, 135.1955)
MEAN_RADIUS_M = 6_371_008.8  # WGS-84 mean radius, for the haversine reference


def points(n: int, seed: int, radius_m: float) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    found = [STORE]
    while len(found) < n:
        at = geodesic(meters=radius_m * math.sqrt(rng.random())).destination(
            STORE, rng.uniform(0, 360)
        )
        found.append((at.latitude, at.longitude))
    return found


def geodesic_m(places: list[tuple[float, float]]) -> np.ndarray:
    """The loop the matrix replaced: geopy per pair."""
    measure, n = geodesic().measure, len(places)
    metres = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            metres[i, j] = metres[j, i] = measure(places[i], places[j]) * 1000
    return metres


def haversine_m(places: list[tuple[float, float]]) -> np.ndarray:
    at = np.radians(np.asarray(places))
    lat, lng = at[:, :1], at[:, 1:]
    h = (
        np.sin((lat.T - lat) / 2) ** 2
        + np.cos(lat) * np.cos(lat.T) * np.sin((lng.T - lng) / 2) ** 2
    )
    return 2 * MEAN_RADIUS_M * np.arcsin(np.sqrt(h))


def median_ms(build, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def worst(metres: np.ndarray, truth: np.ndarray) -> float:
    off = ~np.eye(len(truth), dtype=bool)
    return float(np.max(np.abs(metres[off] / truth[off] - 1)) * 100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matrix", description=__doc__)
    parser.add_argument("--sizes", default="50,150,200")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--radius-m", type=float, default=3000)
    args = parser.parse_args(argv)
    print(
        "| points | numpy ms | travel_matrix (lists) ms | geopy loop ms "
        "| max diff from geodesic | haversine's |"
    )
    print("|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        places = points(n, args.seed, args.radius_m)
        arrays_ms = median_ms(lambda p=places: straight_line_m(p), args.repeat)
        lists_ms = median_ms(
            lambda p=places: travel_matrix(p, detour_factor=1.35, speed_kmh=15), args.repeat
        )
        started = time.perf_counter()
        truth = geodesic_m(places)
        geopy_ms = (time.perf_counter() - started) * 1000
        print(
            f"| {n} | {arrays_ms:.2f} | {lists_ms:.2f} | {geopy_ms:.0f} "
            f"| {worst(straight_line_m(places), truth):.1e} % "
            f"| {worst(haversine_m(places), truth):.3f} % |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
