"""Closed-loop HTTP load for `bench.orders`, and the shoppers' requests it sends.

`hammer` runs N workers that each send their next request as soon as the last one answered
(N requests in flight, as N busy app users would keep). Requests that start during the warm-up
or end after the measured window are not counted; only the expected status counts as done,
anything else (status or exception) is tallied as an error by its kind, with one sample body.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from bench.load_http import JSON, Call, Connection
from bench.serving import CpuMeter
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET

STORE_ID = "kobe-sannomiya"
STORE_AT = (34.6937, 135.1955)
MEMBERS = 50
AHEAD = 10_000  # placements drawn before the clock: 12 s at 800 a second


@dataclass(frozen=True)
class Product:
    sku: str
    name_en: str
    name_ja: str
    unit: str


class Baskets:
    """Random baskets of a catalog: 3 to 8 distinct lines, about one in three with a weighed
    line. The catalog is split by unit once (split for every basket, it cost the load generator
    150 us a placement)."""

    def __init__(self, products: list[Product]):
        self.pieces = [p for p in products if p.unit == "each"]
        self.weighed = [p for p in products if p.unit == "kg"]

    def __call__(self, rng: random.Random) -> list[dict]:
        size = rng.randint(3, 8)
        lines = []
        if self.weighed and rng.random() < 0.35:
            sku = rng.choice(self.weighed).sku
            lines.append({"sku": sku, "grams": rng.choice([250, 500, 800, 1200])})
        for product in rng.sample(self.pieces, size - len(lines)):
            line = {"sku": product.sku, "quantity": rng.choice([1, 1, 1, 2, 2, 3])}
            if rng.random() < 0.3:
                line["substitution"] = rng.choice(["any", "same_brand"])
            lines.append(line)
        return lines


def placements(products: list[Product], seed: int = 42) -> Callable[[], Call]:
    """POST /v1/orders as 50 members: 4 in 5 delivered near the store, the rest picked up.

    The first `AHEAD` bodies and members are drawn and encoded now, before the bench's clock
    starts (in the same order as one at a time, so the same draws): a draw cost the load
    generator 10 us on a warm cache and several times that woken between answers on busy cores.
    Past those, each is drawn as it is sent. The Idempotency-Key is made as each is sent."""
    rng, basket = random.Random(seed), Baskets(products)
    tokens = [
        mint(DEV_JWT_SECRET, Role.SHOPPER, member_id=f"mem_bench_{n:02d}", ttl_s=24 * 3600)
        for n in range(MEMBERS)
    ]

    def draw() -> tuple[bytes, str]:
        body: dict = {"store_id": STORE_ID, "lines": basket(rng)}
        body["accept_later_promise"] = True
        if rng.random() < 0.8:
            lat, lng = (c + rng.uniform(-0.012, 0.012) for c in STORE_AT)
            body |= {"fulfilment": "delivery", "address": {"lat": lat, "lng": lng, "text": "Kobe"}}
        else:
            body["fulfilment"] = "pickup"
        return JSON.encode(body), f"Bearer {rng.choice(tokens)}"

    drawn = deque(draw() for _ in range(AHEAD))

    def next_call() -> Call:
        body, authorization = drawn.popleft() if drawn else draw()
        headers = {"Authorization": authorization, "Idempotency-Key": str(uuid.uuid4())}
        return Call("POST", "/v1/orders", body, headers)

    return next_call


def searches(products: list[Product], seed: int = 43) -> Callable[[], Call]:
    """GET /products?q=: a word of an English name, or two characters of a Japanese one.

    Paths are percent-encoded once, as httpx sent them when the earlier figures were measured
    (UTF-8 escaped; `&` left as it is, so `s&b` asks for `s`)."""
    rng = random.Random(seed)
    words = sorted({p.name_en.split()[0].strip(",").lower() for p in products})
    words += sorted({p.name_ja[:2] for p in products})
    paths = [quote(f"/v1/stores/{STORE_ID}/products?q={word}", safe="/?=&") for word in words]
    return lambda: Call("GET", rng.choice(paths))


def lookups(products: list[Product], seed: int = 44) -> Callable[[], Call]:
    """GET /products/{sku} for any product."""
    rng = random.Random(seed)
    return lambda: Call("GET", f"/v1/stores/{STORE_ID}/products/{rng.choice(products).sku}")


async def hammer(
    base_url: str,
    next_call: Callable[[], Call],
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
    expect: int,
    meter: CpuMeter | None = None,
) -> dict:
    """Requests/s done, p50/p99 latency in ms of the done ones, errors by kind, and the CPU
    `meter` saw over the measured window (not the warm-up)."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    samples: dict[str, str] = {}
    # One connection a worker, opened by its first request, in the warm-up.
    http = [Connection(base_url) for _ in range(concurrency)]
    start = time.perf_counter() + warmup
    end = start + seconds

    async def work(http: Connection) -> None:
        while (sent := time.perf_counter()) < end:
            outcome, body = await http.send(next_call())
            done = time.perf_counter()
            if sent < start or done > end:
                continue
            if outcome == expect:
                latencies.append(done - sent)
            else:
                errors[str(outcome)] += 1
                samples.setdefault(str(outcome), body.decode(errors="replace")[:300])

    try:
        cpu, *_ = await asyncio.gather(cpu_over(meter, start, end), *map(work, http))
    finally:
        for connection in http:
            connection.close()
    return summary(latencies, errors, samples, seconds, cpu)


async def cpu_over(meter: CpuMeter | None, start: float, end: float) -> dict:
    """What `meter` saw between the `time.perf_counter()` instants `start` and `end`."""
    if meter is None:
        return {}
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    meter.start()
    while time.perf_counter() < end - 1:
        await asyncio.sleep(1)
        meter.sample()
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    return meter.stop()


def summary(
    latencies: list[float], errors: Counter[str], samples: dict[str, str], seconds: float, cpu
) -> dict:
    """One measurement as the reports print it: done a second, p50/p99 ms, errors by kind."""
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "per_s": round(len(latencies) / seconds),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "done": len(latencies),
        "errors": dict(errors),
        "cpu": cpu,
        "error_samples": samples,
    }
