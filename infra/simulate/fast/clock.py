"""A discrete-event clock: callbacks at store seconds, run in time order (ties in the order
they were scheduled)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def at(self, t: float, run: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (max(t, self.now), next(self._seq), run))

    def run_until(self, stop: Callable[[], bool]) -> None:
        """Run events in order until `stop()` says so (asked after each) or none are left."""
        while self._queue and not stop():
            self.now, _, run = heapq.heappop(self._queue)
            run()
