"""Deleting an account (`DELETE /v1/me`, which app stores require): what a member's erasure
forgets, what it keeps, and when it may happen.

Forgotten in orders: `members.phone` (the row stays, with `erased_at`), the sign-up code row
keyed by that phone (`member_codes`), every order's `address_text`, `address_lat`,
`address_lng` and `client_secret`, `pickup_codes.gift_phone` and `gift_note`, the addresses in
the event log's payloads (`kernel.events`), and the member's stored replies to repeated POSTs
(`kernel.idempotency_keys`). Kept, for accounting: the member id, now tied to no person, on
orders, lines, payments and sales. Delivery forgets its copies (`deliveries.address_text`, `lat`,
`lng`) when it handles `member.erased`. The member's tokens are refused from then on: at once
here, in delivery once it has handled the event.

Not while an order is open: the store still needs the address to bring it (409 naming them;
cancel them, or wait for them to arrive).

A member registered at the counter may have no app to delete their account with: the store's
manager erases it for them against the member card they hand over (`erase_by_card`), the card
being the proof that it is theirs to delete.
"""

from __future__ import annotations

import asyncpg

from services.orders.members import store as db
from services.orders.members.domain import card_hash
from services.orders.order import store as orders
from shared.bus import publish
from shared.clock import Clock
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import MemberErased


class OrdersOpen(Conflict):
    """The member has orders still on their way"""

    slug = "orders-open"


async def erase_member(conn: asyncpg.Connection, clock: Clock, *, member_id: str) -> None:
    """Erase the member now, or refuse saying which orders are still open."""
    still_open = await db.open_orders_of(conn, member_id=member_id)
    if still_open:
        raise OrdersOpen(
            f"{len(still_open)} order(s) still open: an account is deleted once every order "
            "has arrived, been collected or been cancelled",
            orders=still_open,
        )
    now = clock.now()
    if not await db.erase(conn, member_id=member_id, at=now):
        raise NotFound(f"there is no member {member_id}", field="member_id")
    await orders.forget_addresses(conn, member_id=member_id)
    await publish(conn, MemberErased(member_id=member_id), occurred_at=now)


async def erase_by_card(conn: asyncpg.Connection, clock: Clock, *, card_code: str) -> None:
    """Erase the member who holds this card, as `erase_member` does."""
    hashed = card_hash(card_code)
    if hashed is None:
        raise InvalidInput("not a member card code", field="card_code")
    member_id = await db.member_by_card(conn, card_hash=hashed)
    if member_id is None:
        raise NotFound("no member holds this card", field="card_code")
    await erase_member(conn, clock, member_id=member_id)
