"""Stock, one per store for every channel: the only module that writes `on_hand` and `reserved`
after a product is loaded (queries.sql).

- An online order reserves at checkout (`reserve`), in the transaction that stores it; what it
  reserved is let go when it is cancelled or expires (`release`), or taken when it is packed
  (`take_from_stock`, with `unreserve`).
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
events in any order, though, so each write runs in `retry_deadlock`: the side PostgreSQL fails
lets go of what the statement took and tries again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import asyncpg

from services.orders.catalog.domain import StockCount, StockRow
from shared.db import retry_deadlock
from shared.sql import NamedQuery, load_queries, rows_as

Q = load_queries(Path(__file__).with_name("queries.sql"))


# `reserve` that fails at once (LockNotAvailableError) where another transaction holds a row.
RESERVE_NOW = NamedQuery(
    Q["reserve"].replace("FOR UPDATE", "FOR UPDATE NOWAIT"), Q["reserve"].names
)


async def reserve(
    conn: asyncpg.Connection, *, store_id: str, amounts: Mapping[str, int]
) -> set[str]:
    """Reserve `amounts`; returns the skus there was not enough of (none: all reserved). Those
    with enough may be reserved when some are short: the caller refuses and rolls back.

    A sold-out sku answers at once: where a row is held by another transaction (a hot sku's
    queue of checkouts), the reservation does not wait for it if what that row had at the last
    commit is too little already; the skus short then are not reserved. Only a basket that the
    committed stock can serve waits its turn, and re-checks under the lock (`reserve`). The
    rows are held by none of this until the waiting reservation: the attempt that found one
    busy is rolled back to its savepoint."""
    skus = sorted(amounts)
    args = {"store_id": store_id, "skus": skus, "quantities": [amounts[s] for s in skus]}
    try:
        async with conn.transaction():
            taken = await conn.fetch(*RESERVE_NOW(**args))
    except asyncpg.LockNotAvailableError:
        if short := {r["sku"] for r in await conn.fetch(*Q["short_now"](**args))}:
            return short
        query = Q["reserve"](**args)
        taken = await retry_deadlock(conn, lambda: conn.fetch(*query))
    return set(skus) - {r["sku"] for r in taken}


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
