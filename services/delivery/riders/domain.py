"""Riders' pure rules: shifts, the pings a rider's app sends, and the rate it may send them.

No I/O: the service loads the rider's row and passes what a rule needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from shared.errors import Conflict, InvalidInput, TooManyRequests

PINGS_PER_CALL = 100
AHEAD = timedelta(seconds=30)  # a phone's clock may run this far ahead of ours
STALE = timedelta(minutes=10)  # an older position says nothing about where the rider is now
WINDOW = timedelta(minutes=1)
CALLS_PER_WINDOW = 30


class RateLimited(TooManyRequests):
    """Too many location reports"""

    slug = "rate-limited"


class Ping(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A position the rider's phone took at `at` (WGS-84 degrees, timezone-aware)."""

    lat: float
    lng: float
    at: datetime


class Position(msgspec.Struct, frozen=True, kw_only=True):
    lat: float
    lng: float
    located_at: datetime


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """A fixed rate window: when it opened and how many calls it has admitted."""

    start: datetime | None
    calls: int


def check_start(on_shift: bool) -> None:
    if on_shift:
        raise Conflict("you are on shift already; end it before starting another", field="action")


def check_end(on_shift: bool, open_route: tuple[str, str] | None) -> None:
    """A rider ends a shift only with nothing in hand: an open route would be stranded."""
    if not on_shift:
        raise Conflict("you are not on shift", field="action")
    if open_route is not None:
        route_id, status = open_route
        doing = "are out on" if status == "out" else "are assigned"
        raise Conflict(
            f"you {doing} route {route_id}; finish it before ending the shift",
            field="action",
            route_id=route_id,
        )


def check_pings(pings: Sequence[Ping], now: datetime) -> None:
    """1 to 100 pings, each a real place, taken between 10 minutes ago and now (give or take
    the phone's clock)."""
    if not 1 <= len(pings) <= PINGS_PER_CALL:
        raise InvalidInput(f"send 1 to {PINGS_PER_CALL} pings, not {len(pings)}", field="pings")
    for i, ping in enumerate(pings):
        if not (math.isfinite(ping.lat) and -90 <= ping.lat <= 90):
            raise InvalidInput(
                f"latitude {ping.lat} is not within -90..90", field=f"pings[{i}].lat"
            )
        if not (math.isfinite(ping.lng) and -180 <= ping.lng <= 180):
            raise InvalidInput(
                f"longitude {ping.lng} is not within -180..180", field=f"pings[{i}].lng"
            )
        if ping.at.tzinfo is None:
            raise InvalidInput("give the time with its offset (e.g. Z)", field=f"pings[{i}].at")
        if ping.at > now + AHEAD:
            raise InvalidInput(
                f"{ping.at.isoformat()} is in the future; check the phone's clock",
                field=f"pings[{i}].at",
            )
        if ping.at < now - STALE:
            raise InvalidInput(
                f"{ping.at.isoformat()} is more than {STALE.seconds // 60} minutes old",
                field=f"pings[{i}].at",
            )


def position_after(current: Position | None, pings: Sequence[Ping]) -> Position | None:
    """The newest of what is known: a batch sent late must not move the rider backwards."""
    latest = max(pings, key=lambda p: p.at, default=None)
    if latest is None or (current is not None and latest.at <= current.located_at):
        return current
    return Position(lat=latest.lat, lng=latest.lng, located_at=latest.at)


def admit(window: Window, now: datetime) -> Window:
    """Count one more call in the rider's window, opening a new window when the last one is
    over; refuse it, saying when to retry, when the window is full."""
    if window.start is None or now >= window.start + WINDOW or now < window.start:
        return Window(start=now, calls=1)
    if window.calls >= CALLS_PER_WINDOW:
        wait = math.ceil((window.start + WINDOW - now).total_seconds())
        raise RateLimited(
            f"at most {CALLS_PER_WINDOW} location reports a minute; batch pings and retry in "
            f"{wait} s",
            retry_after_s=max(wait, 1),
        )
    return Window(start=window.start, calls=window.calls + 1)
