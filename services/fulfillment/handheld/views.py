"""Read models for the handheld's screens: the home screen and the bag labels to print."""

from __future__ import annotations

import asyncpg

from services.fulfillment import store as fulfillment_db
from services.fulfillment.batches import store as batch_db
from services.fulfillment.batches.devices import registered
from services.fulfillment.handheld import store as db
from services.fulfillment.handheld.domain import Home, urgent_tasks
from services.fulfillment.handheld.labels import PrintLabel, print_label
from services.fulfillment.queue import summarize
from services.fulfillment.service import OPEN
from shared.auth import Principal
from shared.clock import Clock
from shared.errors import NotFound


async def home(conn: asyncpg.Connection, clock: Clock, principal: Principal) -> Home:
    """What the floor has waiting, for a picker of the store between batches."""
    now = clock.now()
    store_id = principal.store_id or ""
    store = await db.store_facts(conn, store_id=store_id)
    if store is None:
        raise NotFound(f"fulfillment knows no store {store_id}", field="store_id")
    await registered(conn, principal)
    tasks = await fulfillment_db.tasks(conn, store_id=store_id, statuses=OPEN)
    return Home(
        at=now,
        store=store,
        zones=summarize(tasks, [], now).zones,
        urgent=urgent_tasks(tasks, now),
        parked=await db.parked_totes(conn, store_id=store_id),
        batch_id=await batch_db.active_batch(conn, store_id=store_id, picker_id=principal.subject),
    )


async def labels(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[PrintLabel]:
    """Every bag of the order packed so far, to print (or reprint) its label."""
    bags = await batch_db.bags_of_order(conn, store_id=store_id, order_id=order_id)
    if not bags:
        raise NotFound(f"order {order_id} has no bags packed in this store", field="order_id")
    return [print_label(order_id, bag) for bag in bags]
