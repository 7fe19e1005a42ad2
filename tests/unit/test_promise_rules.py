"""The 30-minute promise: the budget, the store's backlog, and when the riders' future has the
order at the door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.delivery.promise import (
    PROMISE,
    Pace,
    on_the_shelf,
    queue_wait,
    ride_time,
)
from services.delivery.promise import promise as made_by

NOW = datetime(2026, 11, 23, 18, 0, 10, tzinfo=UTC)
PACE = Pace()


def promise(now, *, distance_m, backlog, pace, rider_wait=timedelta(0), packed=False):
    """The promise with a rider `rider_wait` from taking the bags off the shelf."""
    arrival = None
    if distance_m is not None:
        shelf = on_the_shelf(now, backlog, pace, packed=packed)
        arrival = shelf + rider_wait + ride_time(distance_m, pace)
    return made_by(
        now, distance_m=distance_m, backlog=backlog, pace=pace, arrival=arrival, packed=packed
    )


def test_a_near_address_in_a_quiet_store_gets_thirty_minutes():
    made = promise(NOW, distance_m=1500, backlog=0, pace=PACE)
    assert made.meets_30_minutes and made.promise_at == NOW + PROMISE and made.reason is None


def test_the_ride_is_geodesic_times_detour_over_speed():
    assert ride_time(3000, PACE) == timedelta(seconds=3000 * 1.35 / (15_000 / 3600))


def test_a_far_address_is_promised_later_with_the_reason_and_a_whole_minute():
    made = promise(NOW, distance_m=5000, backlog=0, pace=PACE)
    assert not made.meets_30_minutes
    assert made.promise_at.second == 0 and made.promise_at > NOW + PROMISE
    assert "the ride take" in (made.reason or "")


def test_a_busy_store_delays_by_its_backlog_and_pickup_skips_the_ride():
    # 120 an hour: 20 orders in hand within the 10-minute budget, the other 20 wait 10 minutes
    busy = promise(NOW, distance_m=1500, backlog=40, pace=PACE)
    assert not busy.meets_30_minutes
    assert "40 orders ahead keep the store busy for 10 minutes" in (busy.reason or "")
    pickup = promise(NOW, distance_m=None, backlog=40, pace=PACE)  # 10 + 10 minutes
    assert pickup.meets_30_minutes


def test_a_floor_staffed_for_its_backlog_has_no_queue():
    evening = Pace(orders_per_hour=600)  # 100 orders in hand within the 10-minute budget
    assert queue_wait(100, evening) == timedelta(0)
    assert queue_wait(160, evening) == timedelta(minutes=6)
    assert promise(NOW, distance_m=1500, backlog=100, pace=evening).meets_30_minutes
    assert not promise(NOW, distance_m=1500, backlog=100, pace=PACE).meets_30_minutes


def test_a_rider_out_makes_the_promise_later_and_says_so():
    short = promise(NOW, distance_m=1500, backlog=0, pace=PACE, rider_wait=timedelta(minutes=19))
    assert not short.meets_30_minutes and short.promise_at > NOW + PROMISE
    assert "29 minutes until one is free" in (short.reason or "")  # 19 and a half
    pickup = promise(NOW, distance_m=None, backlog=0, pace=PACE)
    assert pickup.meets_30_minutes  # riders do not carry pickup orders


def test_a_wait_for_a_rider_is_promised_with_a_margin_and_no_wait_with_none():
    short = promise(NOW, distance_m=1500, backlog=0, pace=PACE, rider_wait=timedelta(minutes=20))
    ride = ride_time(1500, PACE)
    door = on_the_shelf(NOW, 0, PACE) + timedelta(minutes=20) + ride + timedelta(minutes=2)
    assert short.promise_at >= door + timedelta(minutes=10)  # half of the 20 minutes
    assert short.promise_at < door + timedelta(minutes=11)
    assert "30 minutes until one is free" in (short.reason or "")


def test_no_rider_on_shift_means_no_delivery_promise():
    none = made_by(NOW, distance_m=1500, backlog=0, pace=PACE, arrival=None)
    assert none.promise_at is None and not none.meets_30_minutes
    assert "no rider is on shift" in (none.reason or "")


def test_a_basket_packed_at_the_till_skips_the_floor():
    assert on_the_shelf(NOW, 500, PACE, packed=True) == NOW + timedelta(minutes=3)
    far = promise(NOW, distance_m=2900, backlog=500, pace=PACE, packed=True)
    assert far.meets_30_minutes  # 500 orders on the floor, but this basket is bagged
