"""Open-loop mixed load for `bench.orders --mixed`: placements and catalog reads at fixed
rates at once, as an evening's app traffic arrives whether or not the service keeps up (issue
19's target: p99 under 50 ms at 100 placements a second plus 1,000 catalog reads a second).

A closed loop (`orders_load.hammer`) sends a worker's next request only when its last one
answered, so a slow server is sent less and its queue hides (coordinated omission). Here the
i-th request of a stream is due at i / rate seconds and its latency runs from when it was due:
a wait for a free connection in the load generator counts too, so the load generator's CPU is
printed beside (a generator that falls behind inflates p99, it never flatters it).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bench.load_http import Call, Connection
from bench.orders_load import cpu_over, summary
from bench.serving import CpuMeter


@dataclass(frozen=True)
class Stream:
    name: str
    per_s: float
    calls: Callable[[], Call]
    expect: int


async def open_loop(
    base_url: str,
    streams: list[Stream],
    *,
    seconds: float,
    warmup: float,
    connections: int = 64,
    meter: CpuMeter | None = None,
) -> dict[str, dict]:
    """Each stream's `summary` over the requests due in the measured window, and under
    `"cpu"` what `meter` saw."""
    # `connections` lent out one request at a time: a request due when none is free waits for
    # one, and the wait counts (from when it was due).
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(Connection(base_url))
    origin = time.perf_counter()
    start, end = origin + warmup, origin + warmup + seconds
    latencies: dict[str, list[float]] = {s.name: [] for s in streams}
    errors: dict[str, Counter[str]] = {s.name: Counter() for s in streams}
    samples: dict[str, dict[str, str]] = {s.name: {} for s in streams}

    async def one(stream: Stream, due: float) -> None:
        http = await free.get()
        try:
            outcome, body = await http.send(stream.calls())
        finally:
            free.put_nowait(http)
        if not start <= due < end:
            return
        if outcome == stream.expect:
            latencies[stream.name].append(time.perf_counter() - due)
        else:
            errors[stream.name][str(outcome)] += 1
            samples[stream.name].setdefault(str(outcome), body.decode(errors="replace")[:300])

    async def send(stream: Stream) -> None:
        pending: set[asyncio.Task] = set()
        n = 0
        while (due := origin + n / stream.per_s) < end:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(one(stream, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)

    try:
        cpu, *_ = await asyncio.gather(cpu_over(meter, start, end), *map(send, streams))
    finally:
        while not free.empty():
            free.get_nowait().close()
    results = {
        s.name: summary(latencies[s.name], errors[s.name], samples[s.name], seconds, {})
        for s in streams
    }
    return {**results, "cpu": cpu}
