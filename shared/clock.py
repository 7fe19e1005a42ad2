"""The one clock every service reads: leases, timeouts and promises all take time from here.

With `speed` N, time runs N times faster than the wall from a `start` instant shared by every
process, so a simulator can play a two-hour evening peak in minutes against the real services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(
        self,
        speed: float = 1.0,
        start: datetime | None = None,
        wall: Callable[[], float] = time.time,
    ):
        self.speed = speed
        self._wall = wall
        self._start = (start or datetime.fromtimestamp(wall(), UTC)).astimezone(UTC)
        self._start_wall = self._start.timestamp()

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        real = self._wall()
        if self.speed == 1:
            return datetime.fromtimestamp(real, UTC)
        return self._start + timedelta(seconds=(real - self._start_wall) * self.speed)

    async def sleep(self, seconds: float) -> None:
        """Sleep for `seconds` of this clock's time."""
        await asyncio.sleep(seconds / self.speed)

    def real_seconds(self, seconds: float) -> float:
        """How long `seconds` of this clock's time last on the wall."""
        return seconds / self.speed
