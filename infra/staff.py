"""Who a staff token may name: pickers and riders are people a store registered (fulfillment's
pickers, delivery's riders), and every call they make checks it, so `omo token` mints a picker
or rider token only for one of them, and says who they are when asked for anyone else.

Cashiers and managers have no register in this system yet (a chain's identity provider issues
their tokens in production): their tokens name whoever `--subject` says.
"""

from __future__ import annotations

from services.delivery import store as delivery_db
from services.fulfillment import store as fulfillment_db
from shared.auth import Role
from shared.db import connect
from shared.errors import InvalidInput

REGISTERED = frozenset({Role.PICKER, Role.RIDER})


async def registered(dsn: str, role: Role, store_id: str) -> list[str]:
    """The ids of the store's registered pickers or riders, in the register's order."""
    conn = await connect(dsn)
    try:
        if role is Role.PICKER:
            return [p.picker_id for p in await fulfillment_db.list_pickers(conn, store_id=store_id)]
        return [r.rider_id for r in await delivery_db.list_riders(conn, store_id=store_id)]
    finally:
        await conn.close()


async def check_subject(dsn: str, role: Role, store_id: str | None, subject: str | None) -> None:
    """Refuse, naming who may be named, a picker or rider token for no registered person."""
    if role not in REGISTERED or not store_id:
        return  # mint() says a staff token needs a store
    known = await registered(dsn, role, store_id)
    if subject in known:
        return
    listed = ", ".join(known) if known else f"none yet: register them with the store's {role}s API"
    wanted = "names no one" if subject is None else f"names {subject!r}, who is not one"
    raise InvalidInput(
        f"a {role} token {wanted} of the {role}s registered at {store_id}; "
        f"pass --subject with one of: {listed}",
        field="subject",
    )
