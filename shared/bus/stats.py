"""`omo events stats`: what the bus and the trimmed tables hold, how far behind each consumer
is, and how much flows through: read from the database alone, so it works with no service up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from shared.bus.queries import Q
from shared.retention.partitions import day_of, partitions
from shared.retention.runner import Trim
from shared.settings import Settings

# A table this small is counted; a larger one shows PostgreSQL's estimate (marked ~).
COUNT_BELOW_BYTES = 64 * 1024 * 1024
# The bus's tables that are not trimmed by age: deliveries go as they are handled, dead letters
# when an operator retries them.
UNTRIMMED = (
    ("kernel.deliveries", None, "until handled"),
    ("kernel.dead_letters", "parked_at", "until retried"),
)


@dataclass(frozen=True)
class Table:
    name: str
    rows: int
    exact: bool
    bytes: int
    oldest: datetime | None
    kept: str
    partitions: int = 0
    first_day: str | None = None


@dataclass(frozen=True)
class Stats:
    at: datetime
    tables: list[Table]
    consumers: list[asyncpg.Record]
    published: list[asyncpg.Record]
    held: list[asyncpg.Record]
    events_kept_days: float
    notes: list[str] = field(default_factory=list)


def _kept(days: float) -> str:
    return "for ever" if days <= 0 else f"{days:g} d"


async def _table(conn: asyncpg.Connection, name: str, at: str | None, kept: str) -> Table:
    size = await conn.fetchrow(Q["stats_table"], name)
    exact = size["bytes"] < COUNT_BELOW_BYTES
    rows = await conn.fetchval(f"SELECT count(*) FROM {name}") if exact else size["estimate"]
    days: list = []
    at_column = at
    if size["partitioned"]:
        days = sorted(d for p in await partitions(conn, name) if (d := day_of(p["name"])))
        if not exact:  # a big partitioned table is not read whole for its oldest row
            at_column = None
    oldest = await conn.fetchval(f"SELECT min({at_column}) FROM {name}") if at_column else None
    first_day = days[0].isoformat() if days else None
    return Table(name, rows, exact, size["bytes"], oldest, kept, len(days), first_day)


async def collect(conn: asyncpg.Connection, trims: Sequence[Trim], settings: Settings) -> Stats:
    now = datetime.now(UTC)
    tables = []
    for trim in trims:
        kept = _kept(getattr(settings, trim.setting))
        tables.append(await _table(conn, trim.what, trim.at, kept))
        if trim.what == "kernel.handled_events":  # the bus's own tables together
            for name, at, kept in UNTRIMMED:
                tables.append(await _table(conn, name, at, kept))
    events_days = settings.retain_events_days
    held = []
    if events_days > 0:
        held = await conn.fetch(Q["stats_held"], now - timedelta(days=events_days))
    return Stats(
        at=now,
        tables=tables,
        consumers=await conn.fetch(Q["stats_consumers"]),
        published=await conn.fetch(Q["stats_published"]),
        held=held,
        events_kept_days=events_days,
    )


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}min"
    if s < 2 * 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def render(stats: Stats) -> str:
    """The report, for a person at a terminal."""
    out = [f"omo events stats at {stats.at:%Y-%m-%d %H:%M:%S}Z", ""]
    out.append(f"{'table':<26}{'rows':>13}{'size':>11}  {'oldest':<8}  kept")
    for t in stats.tables:
        rows = f"{t.rows:,}" if t.exact else f"~{t.rows:,}"
        oldest = _ago((stats.at - t.oldest).total_seconds()) if t.oldest else "-"
        line = f"{t.name:<26}{rows:>13}{_size(t.bytes):>11}  {oldest:<8}  {t.kept}"
        if t.partitions:
            line += f" ({t.partitions} day partitions from {t.first_day}, and a default)"
        out.append(line)
    out += ["", "consumer lag and throughput (handled over the last 5 minutes and hour)"]
    out.append(
        f"{'consumer':<34}{'pending':>8}{'oldest':>8}{'dead':>6}{'5 min':>8}{'1 hour':>8}"
        f"{'per s':>7}  last handled"
    )
    for c in stats.consumers:
        last = f"{_ago(c['last_s'])} ago" if c["last_s"] is not None else "not this hour"
        out.append(
            f"{c['consumer']:<34}{c['pending']:>8,}{_ago(c['oldest_s'] or None):>8}"
            f"{c['dead']:>6,}{c['last_5_min']:>8,}{c['last_hour']:>8,}"
            f"{c['last_hour'] / 3600:>7.2f}  {last}"
        )
    out += ["", "published (events over the last 5 minutes and hour)"]
    out.append(f"{'topic':<34}{'5 min':>8}{'1 hour':>8}{'per s':>7}")
    for p in stats.published:
        out.append(
            f"{p['topic']:<34}{p['last_5_min']:>8,}{p['last_hour']:>8,}"
            f"{p['last_hour'] / 3600:>7.2f}"
        )
    total_5, total_h = (sum(p[k] for p in stats.published) for k in ("last_5_min", "last_hour"))
    out.append(f"{'all topics':<34}{total_5:>8,}{total_h:>8,}{total_h / 3600:>7.2f}")
    out.append("")
    if stats.events_kept_days <= 0:
        out.append("events are kept for ever (OMO_RETAIN_EVENTS_DAYS=0)")
    elif stats.held:
        out.append(f"events older than {stats.events_kept_days:g} d kept for their consumers:")
        for h in stats.held:
            out.append(f"  {h['consumer']}: {h['waiting']:,} waiting, {h['parked']:,} dead")
    else:
        out.append(f"no consumer holds an event older than {stats.events_kept_days:g} d")
    return "\n".join(out)
