"""kill -9 during live work: a store evening (shoppers paying, pickers scanning and packing,
riders out, the till selling) on a stack of our own, where PostgreSQL itself, the fulfillment
service and the orders service are each killed with SIGKILL and started again. Afterwards every paid
order is finished or still moving, nothing is dead-lettered, and nothing is doubled: no payment
entry twice, and the stock is what the evening took from it, once.

"Still moving" is judged by what each service holds, not by a clock: an order is lost when one
service has dropped its work (see LOST), so an order still on its way when the evening's time
is up passes, and one whose event went missing does not.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from infra.simulate import manager, run
from infra.simulate.measure import TERMINAL
from infra.simulate.run import play
from infra.simulate.scenario import Scenario
from infra.simulate.stack import Stack, started
from shared.db import connect
from shared.errors import DatabaseUnavailable
from tests.eventually import eventually

pytestmark = pytest.mark.e2e

# About 50 orders over 20 store minutes at 90x (13 wall seconds), then until the last is at the
# door: the whole test in well under a minute on 2 cores.
EVENING = Scenario(
    orders_per_hour=150,
    pickers=5,
    riders=8,
    hours=20 / 60,
    clock_speed=90,
    till_sales_per_hour=30,
    drain_minutes=15,
    dispatch_time_limit_s=0.2,
)
PAID = "SELECT count(*) FROM orders.order_stages WHERE stage = 'paid'"
PACKED = "SELECT count(*) FROM orders.order_stages WHERE stage = 'packed'"
OUT = "SELECT count(*) FROM orders.order_stages WHERE stage = 'out_for_delivery'"
STOCK = "SELECT sku, on_hand FROM orders.products WHERE store_id = 'kobe-sannomiya'"


@dataclass
class Faults:
    kills: list[str] = field(default_factory=list)
    # Processes that exited on their own after a kill (not killed by us) and were started again.
    restarted: list[str] = field(default_factory=list)
    tally: dict = field(default_factory=dict)  # what the simulated people saw


async def fetchval(dsn: str, sql: str) -> int:
    try:
        conn = await connect(dsn)
    except DatabaseUnavailable:
        return 0
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def until(dsn: str, sql: str, at_least: int, within: float) -> None:
    """Until the work has got this far (or `within` wall seconds: a fault comes regardless)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await fetchval(dsn, sql) >= at_least:
            return
        await asyncio.sleep(0.1)


async def ready(url: str, within: float = 30) -> None:
    async with httpx.AsyncClient(timeout=1) as http:
        await eventually(
            lambda: http.get(f"{url}/readyz"),
            f"{url} to be ready",
            within,
            ok=lambda r: r.status_code == 200,
            ignoring=(httpx.HTTPError,),
        )


def restart(stack: Stack, name: str) -> None:
    stack.children[name] = subprocess.Popen(stack.children[name].args, env=stack.env)


async def kill_service(stack: Stack, name: str, faults: Faults) -> None:
    child = stack.children[name]
    child.send_signal(signal.SIGKILL)
    child.wait()
    faults.kills.append(name)
    restart(stack, name)
    await ready(stack.urls[name])


def postgres_processes(postmaster: int) -> list[int]:
    """The postmaster and every process it started."""
    found = [postmaster]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == postmaster:
            found.append(int(entry))
    return found


def alive(pids: list[int]) -> bool:
    """Any of them still running (a zombie waiting to be reaped is not)."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    return True
        except OSError:
            continue
    return False


async def kill_database(stack: Stack, faults: Faults) -> None:
    assert stack.database is not None
    postmaster = int((stack.database.pgdata / "postmaster.pid").read_text().split()[0])
    for pid in postgres_processes(postmaster):  # all at once, as a power cut would
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    await eventually(  # the dead are reaped by their parent, at most a moment later
        lambda: [pid for pid in postgres_processes(postmaster) if alive([pid])],
        "PostgreSQL's processes to be reaped",
        ok=lambda left: not left,
    )
    faults.kills.append("postgresql")
    await asyncio.to_thread(stack.database.start)  # crash recovery, then the same data
    for name in ("orders", "fulfillment", "delivery"):
        await ready(stack.urls[name])


async def babysit(stack: Stack, faults: Faults) -> None:
    """A process that dies of a fault it did not get from us is started again, and noted."""
    while True:
        for name, child in list(stack.children.items()):
            if child.poll() is not None:
                faults.restarted.append(f"{name} (exit {child.returncode})")
                restart(stack, name)
        await asyncio.sleep(0.2)


async def evening_with_faults(stack: Stack) -> Faults:
    faults = Faults()
    evening = asyncio.create_task(play(stack, EVENING))
    sitter = asyncio.create_task(babysit(stack, faults))
    try:
        await until(stack.dsn, PAID, 3, within=25)
        await kill_database(stack, faults)  # every service's connections at once
        await until(stack.dsn, PACKED, 2, within=5)
        await kill_service(stack, "fulfillment", faults)  # pickers mid-batch, bags half packed
        # When the last shoppers have ordered: settlement and payments in flight, riders out.
        await until(stack.dsn, OUT, 3, within=EVENING.hours * 3600 / EVENING.clock_speed)
        await kill_service(stack, "orders", faults)
        _, faults.tally = await evening
    finally:
        sitter.cancel()
        if not evening.done():
            evening.cancel()
    return faults


async def stock(dsn: str) -> dict[str, int]:
    conn = await connect(dsn)
    try:
        return {r["sku"]: r["on_hand"] for r in await conn.fetch(STOCK)}
    finally:
        await conn.close()


async def taken_by_the_evening(conn: asyncpg.Connection) -> Counter[str]:
    """What settled orders and till sales took from the shelves, by the orders' own records."""
    taken: Counter[str] = Counter()
    for r in await conn.fetch(
        "SELECT sku, picked, substitute_sku, substitute_quantity FROM orders.order_lines"
        " WHERE picked IS NOT NULL"
    ):
        taken[r["sku"]] += r["picked"]
        if r["substitute_sku"]:
            taken[r["substitute_sku"]] += r["substitute_quantity"]
    for r in await conn.fetch("SELECT sku, sum(quantity) AS n FROM orders.sale_lines GROUP BY sku"):
        taken[r["sku"]] += r["n"]
    return taken


def test_kill_9_of_services_and_the_database_during_work_loses_and_doubles_nothing(
    monkeypatch,
):
    began = time.monotonic()
    counted: dict[str, int] = {}
    prepare = manager.prepare

    async def prepare_and_count(world) -> None:
        await prepare(world)
        counted.update(await stock(world.stack.dsn))  # before the first order or till sale

    monkeypatch.setattr(manager, "prepare", prepare_and_count)

    async def open_paid_orders(dsn: str, _store: str, _placed: list[str]) -> int:
        """Every paid order counts, not only those whose payment the shopper heard back about
        (a kill may cut the answer off)."""
        conn = await connect(dsn)
        try:
            return await conn.fetchval(
                "SELECT count(*) FROM orders.orders WHERE status <> ALL($1::text[])"
                " AND order_id IN (SELECT order_id FROM orders.order_stages WHERE stage = 'paid')",
                list(TERMINAL),
            )
        finally:
            await conn.close()

    monkeypatch.setattr(run, "open_orders", open_paid_orders)
    with started(EVENING, "kill9") as stack:
        faults = asyncio.run(evening_with_faults(stack))
        assert faults.kills == ["postgresql", "fulfillment", "orders"]

        found = asyncio.run(check(stack.dsn, counted))
    finished = [o for o in found["paid"] if o["status"] in TERMINAL]
    doubled = len(found["doubled entries"]) + len(found["doubled gateway ids"])
    print(
        f"kill -9: {len(faults.kills)} kills ({', '.join(faults.kills)}); started again after "
        f"dying on their own: {', '.join(faults.restarted) or 'none'}; "
        f"{len(found['paid'])} orders paid: {len(finished)} finished, "
        f"{len(found['paid']) - len(finished)} still moving, {len(found['lost'])} lost; "
        f"{len(found['dead'])} dead letters; {doubled} doubled payment entries, "
        f"{len(found['stock off'])} products whose stock is off; "
        f"{time.monotonic() - began:.0f} s; the people saw {faults.tally}"
    )
    assert len(found["paid"]) >= 10
    assert found["lost"] == []
    assert found["dead"] == []
    assert found["doubled entries"] == [] and found["doubled gateway ids"] == []
    assert found["stock off"] == {}


# An order is lost when a service dropped its work: paid but no pick task; packed on the floor
# but not settled, or unknown to delivery; at the door in delivery but not in orders.
LOST = """
WITH paid AS (
    SELECT o.order_id, o.status FROM orders.orders o
    WHERE o.order_id IN (SELECT order_id FROM orders.order_stages WHERE stage = 'paid')
), floor AS (
    SELECT order_id, count(*) AS tasks, bool_and(status = 'packed') AS packed
    FROM fulfillment.pick_tasks GROUP BY order_id
)
SELECT p.order_id, p.status, f.tasks, f.packed, d.status AS delivery
FROM paid p
LEFT JOIN floor f USING (order_id)
LEFT JOIN delivery.deliveries d USING (order_id)
WHERE p.status <> 'cancelled' AND (
    f.tasks IS NULL
    OR d.status IS NULL
    OR (f.packed AND p.status IN ('placed', 'picking', 'picked'))
    OR (f.packed AND d.status = 'waiting')
    OR (d.status = 'delivered' AND p.status <> 'delivered')
    OR (d.status = 'failed' AND p.status <> 'delivery_failed')
)
"""


async def quiet(conn: asyncpg.Connection, within: float = 10) -> None:
    """Until every event published has been handled (or `within` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not await conn.fetchval("SELECT count(*) FROM kernel.deliveries"):
            return
        await asyncio.sleep(0.1)


async def check(dsn: str, counted: dict[str, int]) -> dict[str, object]:
    conn = await connect(dsn)
    try:
        await quiet(conn)
        paid = await conn.fetch(
            "SELECT order_id, status FROM orders.orders WHERE order_id IN"
            " (SELECT order_id FROM orders.order_stages WHERE stage = 'paid')"
        )
        lost = await conn.fetch(LOST)
        dead = await conn.fetch("SELECT consumer, last_error FROM kernel.dead_letters")
        entries = await conn.fetch(
            "SELECT order_id, kind, count(*) AS n FROM orders.payments"
            " GROUP BY order_id, kind HAVING count(*) > 1"
        )
        gateway = await conn.fetch(
            "SELECT gateway_id FROM orders.payments WHERE kind IN ('capture', 'charge', 'refund')"
            " GROUP BY gateway_id HAVING count(*) > 1"
        )
        after = {r["sku"]: r["on_hand"] for r in await conn.fetch(STOCK)}
        taken = await taken_by_the_evening(conn)
    finally:
        await conn.close()
    return {
        "paid": paid,
        "lost": [dict(r) for r in lost],
        "dead": [dict(r) for r in dead],
        "doubled entries": [dict(r) for r in entries],
        "doubled gateway ids": [dict(r) for r in gateway],
        "stock off": {
            sku: (counted[sku], taken[sku], after[sku])
            for sku in counted
            if counted[sku] - taken[sku] != after[sku]
        },
    }
