"""The 30-minute promise: the budget, the store's backlog, and the riders on shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.delivery.promise import (
    PROMISE,
    Pace,
    Riders,
    promise,
    queue_wait,
    ride_time,
    rider_wait,
)

NOW = datetime(2026, 11, 23, 18, 0, 10, tzinfo=UTC)
PACE = Pace()


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


def test_riders_on_shift_carry_the_orders_waiting_for_them_in_rounds():
    assert rider_wait(None, PACE) == timedelta(0)
    assert rider_wait(Riders(on_shift=0, unassigned=50), PACE) == timedelta(0)
    assert rider_wait(Riders(on_shift=3, unassigned=5), PACE) == timedelta(0)  # 3 trips, 3 riders
    one_round = rider_wait(Riders(on_shift=3, unassigned=6), PACE)  # a 4th trip waits a round
    assert one_round > timedelta(minutes=10)
    assert rider_wait(Riders(on_shift=3, unassigned=12), PACE) == 2 * one_round
    short = promise(
        NOW, distance_m=1500, backlog=0, pace=PACE, riders=Riders(on_shift=1, unassigned=4)
    )
    assert not short.meets_30_minutes
    assert "4 orders are waiting for 1 riders" in (short.reason or "")
    pickup = promise(
        NOW, distance_m=None, backlog=0, pace=PACE, riders=Riders(on_shift=1, unassigned=9)
    )
    assert pickup.meets_30_minutes  # riders do not carry pickup orders
