"""Riders' pure rules: shifts, the pings a phone sends, the newest position, the rate window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.delivery.riders.domain import (
    CALLS_PER_WINDOW,
    Ping,
    Position,
    RateLimited,
    Window,
    admit,
    check_end,
    check_pings,
    check_start,
    position_after,
)
from shared.errors import Conflict, InvalidInput

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def ping(seconds_ago: float = 0, lat: float = 34.69, lng: float = 135.19) -> Ping:
    return Ping(lat=lat, lng=lng, at=NOW - timedelta(seconds=seconds_ago))


def test_a_shift_starts_only_once():
    check_start(False)
    with pytest.raises(Conflict):
        check_start(True)


def test_a_shift_ends_only_with_no_route_in_hand():
    check_end(True, None)
    with pytest.raises(Conflict) as off:
        check_end(False, None)
    assert "not on shift" in off.value.detail
    with pytest.raises(Conflict) as holding:
        check_end(True, ("rte_1", "out"))
    assert "rte_1" in holding.value.detail and holding.value.extra == {"route_id": "rte_1"}


def test_pings_within_the_world_and_the_last_ten_minutes_are_accepted():
    check_pings([ping(599, lat=-90, lng=180), ping(-29, lat=90, lng=-180)], NOW)


@pytest.mark.parametrize(
    ("pings", "field"),
    [
        ([ping(), ping(lat=90.01)], "pings[1].lat"),
        ([ping(lat=float("nan"))], "pings[0].lat"),
        ([ping(lng=180.5)], "pings[0].lng"),
        ([ping(-31)], "pings[0].at"),
        ([ping(601)], "pings[0].at"),
        ([Ping(lat=1, lng=1, at=NOW.replace(tzinfo=None))], "pings[0].at"),
        ([], "pings"),
        ([ping()] * 101, "pings"),
    ],
)
def test_a_bad_ping_is_refused_naming_it(pings, field):
    with pytest.raises(InvalidInput) as refused:
        check_pings(pings, NOW)
    assert refused.value.field == field


def test_the_newest_ping_becomes_the_position_but_never_an_older_one():
    first = position_after(None, [ping(30, lat=1), ping(10, lat=2), ping(20, lat=3)])
    assert first == Position(lat=2, lng=135.19, located_at=NOW - timedelta(seconds=10))
    assert position_after(first, [ping(15, lat=9)]) == first
    assert position_after(first, [ping(5, lat=4)]).lat == 4  # type: ignore[union-attr]


def test_calls_are_counted_in_a_fixed_window_and_refused_when_it_is_full():
    window = admit(Window(start=None, calls=0), NOW)
    assert window == Window(start=NOW, calls=1)
    for i in range(CALLS_PER_WINDOW - 1):
        window = admit(window, NOW + timedelta(seconds=i))
    assert window.calls == CALLS_PER_WINDOW
    with pytest.raises(RateLimited) as limited:
        admit(window, NOW + timedelta(seconds=40))
    assert limited.value.status == 429 and limited.value.retry_after_s == 20
    assert admit(window, NOW + timedelta(seconds=60)) == Window(
        start=NOW + timedelta(seconds=60), calls=1
    )
