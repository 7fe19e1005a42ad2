"""Which store of a city a shopper's order goes to, and where the city's shoppers live."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from infra.simulate.city import KOBE, StoreSite, choose
from infra.simulate.geo import distance_m
from infra.simulate.shoppers import address
from services.delivery.quoting import Quote

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
NEAR = StoreSite("near", (34.6937, 135.1955), 3000)
MIDDLE = StoreSite("middle", (34.6937, 135.2155), 3000)  # 1.8 km east of NEAR
FAR = StoreSite("far", (34.6937, 135.2355), 3000)  # 3.7 km east of NEAR
DOOR = (34.6937, 135.1905)  # 460 m west of NEAR: NEAR, MIDDLE, then FAR (4.1 km: outside)


def quotes(**minutes: int | None):
    """A quote per store: its promise in minutes from now (None: no promise); outside its zone
    when the door is beyond its radius. The stores asked are recorded in `asked`."""
    asked: list[str] = []

    def quote(site: StoreSite) -> Quote:
        asked.append(site.store_id)
        inside = distance_m(site.at, DOOR) <= site.radius_m
        wait = minutes.get(site.store_id) if inside else None
        return Quote(
            store_id=site.store_id,
            deliverable=inside,
            distance_m=round(distance_m(site.at, DOOR)),
            promise_at=None if wait is None else NOW + timedelta(minutes=wait),
            meets_30_minutes=wait is not None and wait <= 30,
            reason=None,
        )

    return quote, asked


def test_the_nearest_store_that_promises_30_minutes_takes_the_order_and_no_other_is_asked():
    quote, asked = quotes(near=30, middle=30, far=30)
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=False)
    assert choice.quote is not None and choice.quote.store_id == "near"
    assert asked == ["near"]


def test_the_next_nearest_takes_the_order_when_the_nearest_cannot_promise_30_minutes():
    quote, asked = quotes(near=45, middle=30)
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=False)
    assert choice.quote is not None and choice.quote.store_id == "middle"
    assert asked == ["near", "middle"]


def test_a_store_whose_zone_misses_the_door_never_takes_it():
    quote, _ = quotes(near=50, middle=None, far=30)
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=True)
    assert choice.quote is not None and choice.quote.store_id == "near"  # far is 4.1 km away


def test_without_30_minutes_anywhere_the_earliest_later_promise_is_taken_by_who_accepts_it():
    quote, _ = quotes(near=50, middle=40)
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=True)
    assert choice.quote is not None and choice.quote.store_id == "middle"

    quote, _ = quotes(near=40, middle=40)  # a tie goes to the nearer store
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=True)
    assert choice.quote is not None and choice.quote.store_id == "near"


def test_a_shopper_refusing_later_promises_is_refused_when_no_store_promises_30_minutes():
    quote, _ = quotes(near=50, middle=40)
    choice = choose(DOOR, [FAR, MIDDLE, NEAR], quote, accept_later=False)
    assert choice.quote is None and choice.refusal() == "later-promise"

    quote, _ = quotes(near=None, middle=None)  # no rider on shift anywhere
    assert choose(DOOR, [NEAR, MIDDLE], quote, accept_later=True).refusal() == "no-promise"


def test_a_door_outside_every_zone_is_refused_as_outside():
    quote, _ = quotes(far=30)
    choice = choose(DOOR, [FAR], quote, accept_later=True)
    assert choice.quote is None and choice.refusal() == "outside-zone"


def test_the_citys_shoppers_live_evenly_over_the_union_of_the_zones():
    """Each inside door is within 2.9 km of a store, and a door two discs hold is drawn no more
    often than one only one disc holds: the doors near the central store, whose disc is nearly
    all shared, are as dense as those near an outer one."""
    stores = [s.site.at for s in KOBE.stores]
    rng = random.Random(7)
    doors = [address(stores, 0.0, rng)[0] for _ in range(6000)]
    points = [(d["lat"], d["lng"]) for d in doors]
    assert all(min(distance_m(s, p) for s in stores) <= 2_905 for p in points)
    # within 1 km of the central store (shared) and of an outer one (mostly its own)
    central = sum(1 for p in points if distance_m(stores[0], p) <= 1_000)
    outer = sum(1 for p in points if distance_m(stores[1], p) <= 1_000)
    assert 0.8 < central / outer < 1.25


def test_each_store_of_a_city_takes_its_own_staff_in_the_city_order():
    city = KOBE.each([(5, 14), (6, 25), (6, 24)])
    assert [(s.pickers, s.riders) for s in city.stores] == [(5, 14), (6, 25), (6, 24)]
    assert [s.site for s in city.stores] == [s.site for s in KOBE.stores]
    with pytest.raises(ValueError, match="2 staffings for a city of 3 stores"):
        KOBE.each([(5, 14), (6, 25)])
