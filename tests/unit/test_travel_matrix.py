"""The travel matrix against geopy's geodesic, on doors around the demo store in Kobe."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from geopy.distance import geodesic

from services.delivery.routing.matrix import StraightLineTravel, TravelMatrix, travel_matrix

STORE = (34.6913, 135.1955)


def doors(n: int, radius_m: float = 3000, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    found = [STORE]
    for _ in range(n - 1):
        at = geodesic(meters=radius_m * math.sqrt(rng.random())).destination(
            STORE, rng.uniform(0, 360)
        )
        found.append((at.latitude, at.longitude))
    return found


def test_the_way_back_is_as_long_and_staying_put_costs_nothing():
    durations, metres = StraightLineTravel(1.35, 15).durations_and_distances(doors(40))

    assert np.array_equal(metres, metres.T) and np.array_equal(durations, durations.T)
    assert not metres.diagonal().any() and not durations.diagonal().any()


def test_a_new_place_is_measured_to_the_others_as_the_whole_matrix_would():
    """A quote asks only the first row (its door to the store and the orders): the same numbers
    to the last bit, so a promise does not move with how it was measured."""
    travel = StraightLineTravel(1.35, 15)
    for n in (1, 2, 40):
        durations, metres = travel.durations_and_distances(doors(n))
        row_durations, row_metres = travel.from_first(doors(n))

        assert np.array_equal(row_durations, durations[0])
        assert np.array_equal(row_metres, metres[0])


def test_straight_line_keeps_within_a_thousandth_of_a_percent_of_the_geodesic():
    places = doors(40)
    _, metres = StraightLineTravel(1.0, 15).durations_and_distances(places)

    for i in range(len(places)):
        for j in range(i + 1, len(places)):
            assert metres[i, j] == pytest.approx(geodesic(places[i], places[j]).meters, rel=1e-5)


def test_a_longer_detour_lengthens_the_way_and_a_faster_rider_shortens_the_ride():
    places = doors(10)
    base_s, base_m = StraightLineTravel(1.0, 15).durations_and_distances(places)
    detour_s, detour_m = StraightLineTravel(1.5, 15).durations_and_distances(places)
    fast_s, fast_m = StraightLineTravel(1.0, 30).durations_and_distances(places)

    assert np.allclose(detour_m, base_m * 1.5) and np.allclose(detour_s, base_s * 1.5)
    assert np.array_equal(fast_m, base_m) and np.allclose(fast_s, base_s / 2)
    assert np.allclose(base_s, base_m / (15 / 3.6))


def test_points_across_the_antimeridian_are_measured_the_short_way():
    west, east = (-17.0, 179.99), (-17.0, -179.99)
    _, metres = StraightLineTravel(1.0, 15).durations_and_distances([west, east])

    assert metres[0, 1] == pytest.approx(geodesic(west, east).meters, rel=1e-5)


def test_travel_matrix_answers_the_lists_a_problem_holds():
    provider: TravelMatrix = StraightLineTravel(1.35, 15)
    places = doors(5)

    durations, metres = travel_matrix(places, detour_factor=1.35, speed_kmh=15)

    assert isinstance(metres, list) and isinstance(metres[0], list)
    assert isinstance(metres[0][1], float)
    assert np.array_equal(np.array(durations), provider.durations_and_distances(places)[0])
