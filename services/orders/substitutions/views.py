"""An order's proposed substitutes as its reader sees them: the reason in their language."""

from __future__ import annotations

import asyncpg
import msgspec

from services.orders.catalog.paging import Language
from services.orders.catalog.reasons import reason_text
from services.orders.substitutions import store as db
from services.orders.substitutions.domain import ProposalView


async def proposals(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, lang: Language
) -> list[ProposalView]:
    """The order's proposals, oldest first, each with its reason worded in `lang`; one made
    before the catalog gave codes keeps the English words it came with."""
    return [
        msgspec.structs.replace(v, reason=reason_text(v.why, lang)) if v.why else v
        for v in await db.of_order(conn, store_id=store_id, order_id=order_id)
    ]
