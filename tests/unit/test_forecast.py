"""The riders' future a quote is made from: who is free when, which trips orders join."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.delivery.dispatch.holding import HOLD_BOUND
from services.delivery.forecast import Pending, RiderTime, door_time, future_of

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
# Travel seconds between the store (0) and doors 1-4: 1 and 2 lie the same way, 3 the other.
T = [
    [0, 300, 360, 300, 420],
    [300, 0, 90, 600, 400],
    [360, 90, 0, 650, 420],
    [300, 600, 650, 0, 500],
    [420, 400, 420, 500, 0],
]


def rider(n: int, free_in_min: float = 0, capacity: int = 6) -> RiderTime:
    return RiderTime(
        rider_id=f"r{n}", free_at=NOW + timedelta(minutes=free_in_min), capacity=capacity
    )


def order(place: int, ready_in_min: float = 0, bags: int = 2, due_min: float = 28) -> Pending:
    return Pending(
        order_id=f"o{place}",
        place=place,
        ready_by=NOW + timedelta(minutes=ready_in_min),
        latest=NOW + timedelta(minutes=due_min),
        bags=bags,
    )


def at(riders, pending, new) -> float:
    door = door_time(riders, pending, new, seconds=T, service_s=60)
    assert door is not None
    return (door - NOW).total_seconds()


def test_an_idle_rider_at_the_store_takes_the_order_when_packed():
    assert at([rider(1)], [], order(1, ready_in_min=13)) == 13 * 60 + 300


def test_no_rider_on_shift_has_no_door_time():
    assert door_time([], [], order(1), seconds=T, service_s=60) is None


def test_the_order_waits_for_the_first_rider_back_when_all_are_out():
    assert at([rider(1, free_in_min=20), rider(2, free_in_min=9)], [], order(3)) == 9 * 60 + 300


def test_orders_ahead_take_riders_first_and_one_going_the_same_way_shares_the_trip():
    ahead = [order(1), order(3)]  # two packed orders, two riders: each leaves with one
    # the new order going the way of door 1 joins that trip rather than wait for a return
    assert at([rider(1), rider(2)], ahead, order(2)) == 300 + 60 + 90  # after door 1
    # a full box cannot take it: it waits for the first rider back
    full = [order(1, bags=6), order(3)]
    assert at([rider(1), rider(2)], full, order(2)) > 600


def test_joining_a_trip_never_makes_an_order_on_it_miss_its_aim():
    tight = [order(1, due_min=5.1)]  # 300 s ride, 306 s to spare
    # joining before door 1 would make it late; after it, fine
    assert at([rider(1)], tight, order(2)) == 300 + 60 + 90
    assert at([rider(1)], tight, order(2, ready_in_min=1)) > 300 + 60 + 90  # waiting is worse


def test_a_trip_waits_for_an_order_being_packed_no_longer_than_the_dispatcher_holds():
    ahead = [order(1, due_min=40)]  # packed; the rider would leave with it now
    soon = order(2, ready_in_min=HOLD_BOUND.total_seconds() / 60)
    assert at([rider(1)], ahead, soon) == HOLD_BOUND.total_seconds() + 300 + 60 + 90  # joins
    late = order(2, ready_in_min=HOLD_BOUND.total_seconds() / 60 + 1)
    # not held for: door 1's trip leaves now, and the new order rides when the rider is back
    assert at([rider(1)], ahead, late) == 300 + 60 + 300 + 360


def test_under_the_greedy_policy_an_order_waits_for_a_trip_of_its_own():
    ahead = [order(1)]
    assert at([rider(1)], ahead, order(2)) == 300 + 60 + 90  # shares the trip
    alone = door_time([rider(1)], ahead, order(2), seconds=T, service_s=60, batching=False)
    assert alone is not None and (alone - NOW).total_seconds() == 300 + 60 + 300 + 360


def test_a_quote_asks_the_future_without_changing_it():
    """A store's future is built once and asked for many doors: asking places nothing."""
    ahead = [order(1), order(3)]
    riders = [rider(1), rider(2, free_in_min=4)]
    inner = [row[:4] for row in T[:4]]  # the store and doors 1-3; door 4 is the one quoted
    future = future_of(riders, ahead, seconds=inner, service_s=60)
    assert future is not None
    new = order(4, ready_in_min=2)
    asked = [future.arrival_of(new, T[4][:4]) for _ in range(3)]
    assert asked[0] == asked[1] == asked[2]
    assert inner == [row[:4] for row in T[:4]]  # the matrix as it was
    full = door_time(riders, ahead, new, seconds=[row[:] for row in T], service_s=60)
    assert asked[0] == full
