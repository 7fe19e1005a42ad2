"""Checkout's own reads (queries.sql): the store's rules for an order, and what it sells, with
the basket's stock claimed in the same trip (by the stock module's `orders.claim_stock`). The
order it stores is written through `services.orders.order.store`, the rest of its stock through
`services.orders.stock.store`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.checkout.domain import Sellable
from shared.sql import load_queries
from shared.web.idempotency import KeyOf

Q = load_queries(Path(__file__).with_name("queries.sql"))


class StoreRules(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    weighed_buffer_pct: int
    unpaid_timeout_s: int
    lat: float
    lng: float


class Stocked(msgspec.Struct, frozen=True, kw_only=True):
    """A sku as the catalog sells it, and how much of it is left to reserve."""

    product: Sellable
    available: int


class Basket(msgspec.Struct, frozen=True, kw_only=True):
    rules: StoreRules
    stocked: dict[str, Stocked]
    # The skus short under the claim's lock (empty: claimed); None: no claim was tried, since
    # `stocked` shows a sku sold out (or the store does not sell it).
    short: list[str] | None
    key_seen: bool  # a request stored the Idempotency-Key already


async def offer(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    claim_id: str,
    wanted: Mapping[str, int],
    expires_at: datetime,
    key: KeyOf | None = None,
    member_id: str | None = None,
) -> tuple[bool, Basket | None]:
    """The store's rules and what it sells of the skus `wanted`, and, if as last committed it
    has enough of each, those amounts claimed under `claim_id` until `expires_at`, committed
    at once (`conn` must not be in a transaction), and whether a request stored `key`; None
    if there is no such store. First, whether `member_id` deleted their account: then nothing
    was claimed."""
    skus = sorted(wanted)
    query = Q["offer"](
        store_id=store_id,
        claim_id=claim_id,
        skus=skus,
        quantities=[wanted[s] for s in skus],
        expires_at=expires_at,
        service=key.service if key else None,
        caller=key.caller if key else None,
        key=key.key if key else None,
        member_id=member_id,
    )
    rows = await conn.fetch(*query)
    first = rows[0]
    if first["currency"] is None:
        return first["erased"], None
    rules = StoreRules(
        currency=first["currency"],
        weighed_buffer_pct=first["weighed_buffer_pct"],
        unpaid_timeout_s=first["unpaid_timeout_s"],
        lat=first["lat"],
        lng=first["lng"],
    )
    stocked = {
        r["sku"]: Stocked(
            product=Sellable(
                sku=r["sku"],
                name_en=r["name_en"],
                name_ja=r["name_ja"],
                zone=r["zone"],
                unit=r["unit"],
                price=r["price"],
                tax_class=r["tax_class"],
            ),
            available=r["available"],
        )
        for r in rows
        if r["sku"] is not None
    }
    short = first["short"]
    return first["erased"], Basket(
        rules=rules,
        stocked=stocked,
        short=None if short is None else sorted(short),
        key_seen=first["key_seen"],
    )
