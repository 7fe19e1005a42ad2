"""The claim rounds of `bench.picking`: pickers claiming at once over HTTP, timed and checked.

`deepest rank` is how far down the queue (earliest due first, as it stood before the round) the
round's batches reached: one claim at a time reaches little further than the tasks it hands out
plus a batch's reach, while claims at once each lock the 40 earliest-due tasks they can get.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from argparse import Namespace

import asyncpg
import httpx

from bench.serving import Processes
from infra.seed import STORE
from shared.auth import Role, mint
from shared.settings import DEV_JWT_SECRET


async def claim(client: httpx.AsyncClient, token: str) -> tuple[float, int, dict | None]:
    """(ms, status, batch) of one claim."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    started = time.perf_counter()
    r = await client.post(f"/v1/stores/{STORE.store_id}/batches/claim", json={}, headers=headers)
    ms = (time.perf_counter() - started) * 1000
    if r.status_code != 200:
        print(f"claim: {r.status_code}: {r.text[:300]}", file=sys.stderr)
        return ms, r.status_code, None
    return ms, 200, r.json()["batch"]


def summary(label: object, results: list, seconds: float, cpu: dict, deepest: int) -> dict:
    ms = sorted(r[0] for r in results)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    batches = [b for _, _, b in results if b]
    fulfillment_ms = cpu["fulfillment"] * 10 * seconds / len(results)  # % of a core -> ms
    return {
        "round": label,
        "claims": len(results),
        "batches": len(batches),
        "tasks": sum(len(b["totes"]) for b in batches),
        "empty": sum(1 for _, status, b in results if status == 200 and b is None),
        "errors": sum(1 for _, status, _ in results if status != 200),
        "deepest rank": deepest,
        "p50 ms": round(cuts[49], 1),
        "p95 ms": round(cuts[94], 1),
        "max ms": round(ms[-1], 1),
        "claims/s": round(len(results) / seconds),
        **{f"CPU% {name}": value for name, value in cpu.items()},
        "fulfillment CPU ms/claim": round(fulfillment_ms, 1),
    }


async def queue_ranks(conn: asyncpg.Connection) -> dict[tuple[str, str], int]:
    """Each queued task's place in the queue, earliest due first (1: due first)."""
    rows = await conn.fetch(
        "SELECT order_id, zone FROM fulfillment.pick_tasks WHERE store_id = $1 "
        "AND status = 'queued' ORDER BY deadline, task_id",
        STORE.store_id,
    )
    return {(r["order_id"], r["zone"]): n for n, r in enumerate(rows, start=1)}


def deepest(ranks: dict[tuple[str, str], int], results: list) -> int:
    """The furthest place down the queue that a batch of the round reached."""
    return max(
        (ranks[(t["order_id"], b["zone"])] for _, _, b in results if b for t in b["totes"]),
        default=0,
    )


def check_handed_once(batches: list[dict], assigned: set[tuple[str, str, str]]) -> None:
    """Every task (order, zone) in at most one batch, as the database also records it."""
    seen: dict[tuple[str, str], str] = {}
    for batch in batches:
        for tote in batch["totes"]:
            task = (tote["order_id"], batch["zone"])
            if task in seen:
                raise AssertionError(f"task {task} in {seen[task]} and {batch['batch_id']}")
            seen[task] = batch["batch_id"]
    answered = {(b, *task) for task, b in seen.items()}
    if answered != assigned:
        raise AssertionError(
            f"answers and database differ: {len(answered - assigned)} answered only, "
            f"{len(assigned - answered)} in the database only"
        )


async def rounds(
    client: httpx.AsyncClient, conn: asyncpg.Connection, processes: Processes, args: Namespace
) -> list[dict]:
    """`args.rounds` rounds of `args.pickers` claims at once; a row each and one for all."""
    rows, everything, seconds, cpus = [], [], [], []
    for n in range(1, args.rounds + 1):
        tokens = [
            mint(DEV_JWT_SECRET, Role.PICKER, subject=f"picker-r{n}-{i}",
                 store_id=STORE.store_id, ttl_s=3600)
            for i in range(1, args.pickers + 1)
        ]  # fmt: skip
        ranks = await queue_ranks(conn)
        meter = processes.meter("fulfillment")
        meter.start()
        started = time.perf_counter()
        results = await asyncio.gather(*(claim(client, t) for t in tokens))
        seconds.append(time.perf_counter() - started)
        cpus.append(meter.stop())
        rows.append(summary(n, results, seconds[-1], cpus[-1], deepest(ranks, results)))
        everything += results
    total = sum(seconds)
    cpu = {k: round(sum(c[k] * s for c, s in zip(cpus, seconds, strict=True)) / total)
           for k in cpus[0]}  # fmt: skip
    rows.append(summary("all", everything, total, cpu, max(r["deepest rank"] for r in rows)))
    check_handed_once([b for _, _, b in everything if b], await assigned(conn))
    return rows


async def assigned(conn: asyncpg.Connection) -> set[tuple[str, str, str]]:
    """(batch, order, zone) of every task in a batch, as the database has them."""
    rows = await conn.fetch(
        "SELECT batch_id, order_id, zone FROM fulfillment.pick_tasks "
        "WHERE store_id = $1 AND batch_id IS NOT NULL",
        STORE.store_id,
    )
    return {tuple(r) for r in rows}
