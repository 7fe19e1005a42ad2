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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.serving import CpuMeter
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET

STORE_ID = "kobe-sannomiya"
STORE_AT = (34.6937, 135.1955)
MEMBERS = 50


@dataclass(frozen=True)
class Product:
    sku: str
    name_en: str
    name_ja: str
    unit: str


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict | None = None
    headers: dict | None = None


def basket(rng: random.Random, products: list[Product]) -> list[dict]:
    """3 to 8 distinct lines, about one basket in three with a weighed line."""
    pieces = [p for p in products if p.unit == "each"]
    weighed = [p for p in products if p.unit == "kg"]
    size = rng.randint(3, 8)
    lines = []
    if weighed and rng.random() < 0.35:
        lines.append({"sku": rng.choice(weighed).sku, "grams": rng.choice([250, 500, 800, 1200])})
    for product in rng.sample(pieces, size - len(lines)):
        line = {"sku": product.sku, "quantity": rng.choice([1, 1, 1, 2, 2, 3])}
        if rng.random() < 0.3:
            line["substitution"] = rng.choice(["any", "same_brand"])
        lines.append(line)
    return lines


def placements(products: list[Product], seed: int = 42) -> Callable[[], Call]:
    """POST /v1/orders as 50 members: 4 in 5 delivered near the store, the rest picked up."""
    rng = random.Random(seed)
    tokens = [
        mint(DEV_JWT_SECRET, Role.SHOPPER, member_id=f"mem_bench_{n:02d}", ttl_s=24 * 3600)
        for n in range(MEMBERS)
    ]

    def next_call() -> Call:
        body: dict = {"store_id": STORE_ID, "lines": basket(rng, products)}
        body["accept_later_promise"] = True
        if rng.random() < 0.8:
            lat, lng = (c + rng.uniform(-0.012, 0.012) for c in STORE_AT)
            body |= {"fulfilment": "delivery", "address": {"lat": lat, "lng": lng, "text": "Kobe"}}
        else:
            body["fulfilment"] = "pickup"
        headers = {
            "Authorization": f"Bearer {rng.choice(tokens)}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return Call("POST", "/v1/orders", body, headers)

    return next_call


def searches(products: list[Product], seed: int = 43) -> Callable[[], Call]:
    """GET /products?q=: a word of an English name, or two characters of a Japanese one."""
    rng = random.Random(seed)
    words = sorted({p.name_en.split()[0].strip(",").lower() for p in products})
    words += sorted({p.name_ja[:2] for p in products})
    return lambda: Call("GET", f"/v1/stores/{STORE_ID}/products?q={rng.choice(words)}")


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
    # A client of one connection per worker: httpx's pool scans all its connections for every
    # request, which at 64 costs the load generator more CPU than the server spends answering.
    # Made before the clock starts: each costs ~30 ms of CPU (its TLS context), and 64 made in
    # the window left it without a single answer while the service sat idle.
    clients = connections(base_url, concurrency)
    start = time.perf_counter() + warmup
    end = start + seconds

    async def work(http: httpx.AsyncClient) -> None:
        while (sent := time.perf_counter()) < end:
            call = next_call()
            outcome: int | str
            try:
                response = await http.request(
                    call.method, call.path, json=call.json, headers=call.headers
                )
                outcome, text = response.status_code, response.text
            except httpx.HTTPError as exc:
                outcome, text = type(exc).__name__, str(exc)
            done = time.perf_counter()
            if sent < start or done > end:
                continue
            if outcome == expect:
                latencies.append(done - sent)
            else:
                errors[str(outcome)] += 1
                samples.setdefault(str(outcome), text[:300])

    try:
        cpu, *_ = await asyncio.gather(cpu_over(meter, start, end), *map(work, clients))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return summary(latencies, errors, samples, seconds, cpu)


def connections(base_url: str, n: int) -> list[httpx.AsyncClient]:
    """`n` clients of one connection each."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return [httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) for _ in range(n)]


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
