"""Riders in the fast mode: where each is at any second (straight lines stretched by the
detour, as the simulated riders ride), and where the delivery service last heard they were
(the app sends its 15-second positions four at a time, and on arriving)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from infra.simulate.geo import distance_m
from infra.simulate.riders import PING_EVERY_S, POLL_S, SEND_EVERY

Point = tuple[float, float]


@dataclass(frozen=True)
class Leg:
    start: float
    end: float
    a: Point
    b: Point

    def at(self, t: float) -> Point:
        f = (
            1.0
            if self.end <= self.start
            else min(1.0, max(0.0, (t - self.start) / (self.end - self.start)))
        )
        return (self.a[0] + (self.b[0] - self.a[0]) * f, self.a[1] + (self.b[1] - self.a[1]) * f)

    def heard(self, t: float) -> Point:
        """The last position sent by `t`: every `SEND_EVERY` pings on the way, and on arrival."""
        if t >= self.end:
            return self.b
        seconds = self.end - self.start
        steps = max(1, round(seconds / PING_EVERY_S))
        done = math.floor((t - self.start) / (seconds / steps))
        sent = done - done % SEND_EVERY
        return self.at(self.start + seconds * sent / steps) if sent else self.a


@dataclass
class Rider:
    rider_id: str
    home: Point
    legs: list[Leg] = field(default_factory=list)
    back_at: float = 0.0  # at the store (again) from this second, polling for a route
    route_id: str | None = None
    route_status: str | None = None  # assigned, out

    def where(self, t: float) -> Point:
        leg = self._leg(t)
        return leg.at(t) if leg else self.home

    def heard(self, t: float) -> Point:
        leg = self._leg(t)
        return leg.heard(t) if leg else self.home

    def _leg(self, t: float) -> Leg | None:
        for leg in reversed(self.legs):
            if leg.start <= t:
                return leg
        return None

    def ride(self, start: float, to: Point, *, detour: float, speed_kmh: float) -> float:
        """A leg from where the rider is at `start` to `to`; the second they arrive."""
        here = self.where(start)
        end = start + distance_m(here, to) * detour / (speed_kmh / 3.6)
        self.legs.append(Leg(start, end, here, to))
        return end

    def next_poll(self, t: float) -> float:
        """When the app next asks for a route: on coming back, then every `POLL_S`."""
        if t <= self.back_at:
            return self.back_at
        return self.back_at + math.ceil((t - self.back_at) / POLL_S) * POLL_S
