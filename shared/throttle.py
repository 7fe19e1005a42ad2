"""Throttles: how often a caller may try something, counted without races.

A bucket is one counter (a device's wrong PINs, a client address's code sends, every code send
of a service), a row of `kernel.throttles`. A request locks the buckets it is judged by, in name
order, until its transaction ends: concurrent requests are judged one after the other, each
seeing what the one before it counted, so 60 guesses at once cannot all read "9 so far".

Two rules, pure functions of a bucket and the time:
- `Backoff`, for guesses: `free` misses, then each further try waits after the last miss, twice
  as long each time (from `base` up to `cap`); a bucket quiet for `forget` starts again.
- `Rate`, for sends: at most `limit` in a window of `per` that opens with the first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import msgspec

from shared.sql import load_queries, rows_as

ZERO = timedelta(0)


class Backoff(msgspec.Struct, frozen=True, kw_only=True):
    free: int
    base: timedelta
    cap: timedelta
    forget: timedelta


class Rate(msgspec.Struct, frozen=True, kw_only=True):
    limit: int
    per: timedelta


Rule = Backoff | Rate


class Bucket(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    hits: int = 0
    since: datetime | None = None
    last_at: datetime | None = None


def _fresh(rule: Rule, bucket: Bucket, now: datetime) -> bool:
    """Nothing counted yet, or what was counted no longer counts."""
    if isinstance(rule, Backoff):
        return bucket.last_at is None or now - bucket.last_at >= rule.forget
    return bucket.since is None or now - bucket.since >= rule.per


def wait(rule: Rule, bucket: Bucket, now: datetime) -> timedelta:
    """How long the next try must wait (zero: it may go ahead and be judged). Never longer than
    the pause or the window itself: a try that read the clock before another took the lock
    first is judged after it, and its `now` may be a moment before the bucket's own time."""
    if _fresh(rule, bucket, now):
        return ZERO
    if isinstance(rule, Backoff):
        if bucket.hits < rule.free:
            return ZERO
        pause = min(rule.cap, rule.base * 2 ** min(bucket.hits - rule.free, 30))
        return min(pause, max(ZERO, _last_at(bucket) + pause - now))
    if bucket.hits < rule.limit:
        return ZERO
    return min(rule.per, max(ZERO, _since(bucket) + rule.per - now))


def hit(rule: Rule, bucket: Bucket, now: datetime) -> Bucket:
    """The bucket with one more try counted."""
    if _fresh(rule, bucket, now):
        return Bucket(name=bucket.name, hits=1, since=now, last_at=now)
    return Bucket(name=bucket.name, hits=bucket.hits + 1, since=bucket.since, last_at=now)


def expires(rule: Rule, bucket: Bucket) -> datetime:
    """When the bucket says nothing any more and its row may go."""
    if isinstance(rule, Backoff):
        return _last_at(bucket) + max(rule.forget, rule.cap)
    return _since(bucket) + rule.per


def _last_at(bucket: Bucket) -> datetime:
    """A bucket that counted a try has its time (a fresh one never gets this far)."""
    assert bucket.last_at is not None, bucket
    return bucket.last_at


def _since(bucket: Bucket) -> datetime:
    assert bucket.since is not None, bucket
    return bucket.since


def blocking(
    rules: Mapping[str, Rule], held: Mapping[str, Bucket], now: datetime
) -> tuple[Bucket, timedelta] | None:
    """The bucket that makes the next try wait longest, and how long; None when none does."""
    waits = [(held[name], wait(rule, held[name], now)) for name, rule in rules.items()]
    longest = max(waits, key=lambda w: w[1], default=None)
    return longest if longest is not None and longest[1] > ZERO else None


def seconds(pause: timedelta) -> int:
    """A wait as a Retry-After: whole seconds, at least 1."""
    return max(1, math.ceil(pause.total_seconds()))


Q = load_queries(Path(__file__).with_name("throttle.sql"))
PURGE_EXPIRED = Q["purge_expired"]


async def lock(conn: asyncpg.Connection, service: str, names: Iterable[str]) -> dict[str, Bucket]:
    """The buckets called `names`, locked until `conn`'s transaction ends (created empty if new).
    Always in name order, so two requests never wait for each other's buckets in a circle."""
    ordered = sorted(set(names))
    await conn.execute(Q["ensure"], service, ordered)
    buckets = rows_as(Bucket, await conn.fetch(Q["lock"], service, ordered))
    return {b.name: b for b in buckets}


async def save(conn: asyncpg.Connection, service: str, rule: Rule, bucket: Bucket) -> None:
    await conn.execute(
        *Q["save"](
            service=service,
            bucket=bucket.name,
            hits=bucket.hits,
            since=bucket.since,
            last_at=bucket.last_at,
            expires_at=expires(rule, bucket),
        )
    )


async def count(
    conn: asyncpg.Connection,
    service: str,
    rules: Mapping[str, Rule],
    held: Mapping[str, Bucket],
    now: datetime,
) -> None:
    """Count one more try in every bucket `lock` gave."""
    for name, rule in rules.items():
        await save(conn, service, rule, hit(rule, held[name], now))


async def clear(conn: asyncpg.Connection, service: str, name: str) -> None:
    """Forget what a bucket counted (a device whose picker signed in)."""
    await conn.execute(Q["clear"], service, name)
