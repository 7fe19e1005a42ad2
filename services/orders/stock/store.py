"""Stock, one per store for every channel: the only module that writes `on_hand` and `reserved`
after a product is loaded (queries.sql).

- An online checkout claims its stock first, in a statement of its own (the server-side
  `orders.claim_stock`, which checkout's `offer` query calls as it reads the basket: a
  reservation that holds the rows for that statement only), before it asks delivery for a
  promise; the statement that stores the order takes the claim over (order/queries.sql
  `insert_order` deletes its rows, `reserved` stays), and a checkout that fails gives it back
  (`release_claim`), as the sweep does for a claim past its expiry whose checkout died
  (`expired_claims`). An order with no claim left reserves in its own transaction
  (`reserve`). What an order reserved is let go when it is cancelled or expires (`release`), or
  taken when it is packed (`take_from_stock`, with `unreserve`).
- THE TILL RULE: the till sells what the customer holds. A till sale or a paid scan-and-go
  cart never fails for stock: it takes its quantities off `on_hand` (never below 0) and leaves
  `reserved` alone (`take_from_stock` with nothing to unreserve). If on_hand ends below what
  online orders reserved, `available` (on_hand - reserved) is 0 or less and online checkout
  cannot reserve that sku any more, and the pick for the reserved orders comes up short, which
  picking turns into a substitution.
- A stock take sets `on_hand` to what was counted (`set_on_hand`, after `lock_stock`), even
  below what orders hold: a count is a fact, and the online channel then has none to sell, as
  after a till sale.

Every writer locks its rows in sku order, so two baskets sharing skus never deadlock each
other. A bus consumer handling a batch of events in one transaction takes its locks across
events in any order, though, so the writes that wait holding rows run in `retry_deadlock`: the
side PostgreSQL fails lets go of what the statement took and tries again. The reservation
waits holding no row, so it is never part of a deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import asyncpg

from services.orders.catalog.domain import StockCount, StockRow
from shared.db import retry_deadlock
from shared.sql import load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


async def reserve(
    conn: asyncpg.Connection, *, store_id: str, amounts: Mapping[str, int]
) -> set[str]:
    """Reserve `amounts`, all or none; returns the skus there was not enough of (none: all
    reserved). It never waits holding a row, and does not wait at all for a held row that the
    stock as last committed cannot serve (orders.reserve, schema/0024_reserve.sql)."""
    skus = sorted(amounts)
    query = Q["reserve"](store_id=store_id, skus=skus, quantities=[amounts[s] for s in skus])
    return set(await conn.fetchval(*query))


async def release_claim(
    conn: asyncpg.Connection | asyncpg.Pool, *, store_id: str, claim_id: str
) -> None:
    """Give back what the claim reserved, unless an order took it or it was given back."""
    await conn.execute(*Q["release_claim"](store_id=store_id, claim_id=claim_id))


async def expired_claims(
    conn: asyncpg.Connection | asyncpg.Pool, *, now: datetime, limit: int
) -> list[tuple[str, str]]:
    """(store_id, claim_id) of claims past their expiry."""
    rows = await conn.fetch(*Q["expired_claims"](now=now, limit=limit))
    return [(row["store_id"], row["claim_id"]) for row in rows]


async def release(conn: asyncpg.Connection, *, store_id: str, amounts: Mapping[str, int]) -> None:
    """Let go of what an order reserved (it was cancelled, or never paid)."""
    skus = sorted(amounts)
    query = Q["release"](store_id=store_id, skus=skus, quantities=[amounts[s] for s in skus])
    await retry_deadlock(conn, lambda: conn.execute(*query))


async def take_from_stock(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    taken: Mapping[str, int],
    unreserve: Mapping[str, int],
) -> None:
    """`taken` leaves the shelf and `unreserve` is let go of; the till unreserves nothing."""
    skus = sorted(set(taken) | set(unreserve))
    query = Q["take_from_stock"](
        store_id=store_id,
        skus=skus,
        taken=[taken.get(s, 0) for s in skus],
        unreserve=[unreserve.get(s, 0) for s in skus],
    )
    await retry_deadlock(conn, lambda: conn.execute(*query))


async def lock_stock(
    conn: asyncpg.Connection, *, store_id: str, skus: Sequence[str]
) -> dict[str, StockRow]:
    """The stock rows of those of `skus` that exist, locked until the transaction ends."""
    rows = await conn.fetch(*Q["lock_stock"](store_id=store_id, skus=list(skus)))
    return {row.sku: row for row in rows_as(StockRow, rows)}


async def set_on_hand(
    conn: asyncpg.Connection, *, store_id: str, counts: Sequence[StockCount]
) -> None:
    await conn.execute(
        *Q["set_on_hand"](
            store_id=store_id,
            skus=[c.sku for c in counts],
            on_hand=[c.on_hand for c in counts],
        )
    )
