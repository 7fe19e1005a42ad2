"""The throttle's rules: a backoff for guesses, a window for sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.fulfillment.handheld.pins import counters
from shared.throttle import ZERO, Backoff, Bucket, Rate, expires, hit, seconds, wait

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
GUESSES = Backoff(
    free=3, base=timedelta(seconds=30), cap=timedelta(minutes=4), forget=timedelta(hours=1)
)
SENDS = Rate(limit=2, per=timedelta(minutes=1))


def misses(rule, n: int, *, every: timedelta = timedelta(0)) -> Bucket:
    bucket = Bucket(name="b")
    for i in range(n):
        bucket = hit(rule, bucket, T0 + i * every)
    return bucket


def test_free_misses_wait_for_nothing():
    assert wait(GUESSES, misses(GUESSES, 2), T0) == ZERO


def test_each_miss_past_the_free_ones_doubles_the_wait_up_to_the_cap():
    waits = [wait(GUESSES, misses(GUESSES, n), T0).total_seconds() for n in range(3, 9)]
    assert waits == [30, 60, 120, 240, 240, 240]


def test_the_wait_runs_from_the_last_miss():
    bucket = misses(GUESSES, 4)
    assert wait(GUESSES, bucket, T0 + timedelta(seconds=45)) == timedelta(seconds=15)
    assert wait(GUESSES, bucket, T0 + timedelta(seconds=60)) == ZERO


def test_a_quiet_bucket_forgets_its_misses():
    bucket = misses(GUESSES, 8)
    later = T0 + timedelta(hours=1)
    assert wait(GUESSES, bucket, later) == ZERO
    assert hit(GUESSES, bucket, later).hits == 1
    assert expires(GUESSES, bucket) == later


def test_a_window_admits_its_limit_then_waits_for_its_end():
    bucket = misses(SENDS, 2, every=timedelta(seconds=10))
    assert wait(SENDS, bucket, T0 + timedelta(seconds=20)) == timedelta(seconds=40)
    assert wait(SENDS, bucket, T0 + timedelta(minutes=1)) == ZERO
    assert hit(SENDS, bucket, T0 + timedelta(minutes=1)).hits == 1


def test_a_wait_is_told_in_whole_seconds_and_never_zero():
    assert seconds(timedelta(milliseconds=1)) == 1
    assert seconds(timedelta(seconds=29, milliseconds=10)) == 30


def test_a_known_handheld_is_judged_by_its_own_count_alone():
    known = counters("kobe", "hh-1", "10.0.0.7", known=True)
    new = counters("kobe", "hh-2", "10.0.0.7", known=False)
    no_device = counters("kobe", None, "10.0.0.7", known=False)
    assert list(known) == ["pin/device/kobe/hh-1"]
    assert sorted(new) == ["pin/device/kobe/hh-2", "pin/newcomers/kobe", "pin/source/10.0.0.7"]
    assert sorted(no_device) == ["pin/newcomers/kobe", "pin/source/10.0.0.7"]


def test_a_try_judged_after_a_later_one_waits_no_longer_than_the_window_or_the_pause():
    """Two tries read the clock, the second takes the lock first: the first is judged against a
    bucket whose time is after its own `now` (Retry-After 3601 on a one-hour window, seen)."""
    early = T0 - timedelta(milliseconds=300)
    assert wait(SENDS, misses(SENDS, 2), early) == SENDS.per
    assert wait(GUESSES, misses(GUESSES, 4), early) == timedelta(seconds=60)
