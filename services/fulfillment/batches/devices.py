"""Commands from handhelds: a device id and a sequence number on each, so a device that comes
back online can replay its queue. With the Idempotency-Key a replayed command that was applied
returns its first answer; a command older than the last one applied from that device is stale
(the screen moved on without it) and is refused rather than applied out of order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from services.fulfillment.batches import store as db
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, InvalidInput
from shared.web.idempotency import IdempotencyKey, once

DeviceId = Annotated[
    str | None,
    HeaderParameter(
        name="Device-Id",
        required=False,
        min_length=1,
        max_length=64,
        description="The handheld sending the command (with Device-Seq).",
    ),
]
DeviceSeq = Annotated[
    int | None,
    HeaderParameter(
        name="Device-Seq",
        required=False,
        ge=1,
        description="The command's place in the device's queue, rising by at least 1.",
    ),
]


class Handheld(msgspec.Struct, frozen=True, kw_only=True):
    """What identifies a command from a handheld: its Idempotency-Key and, from a device with a
    queue of its own, the device and the command's place in that queue."""

    key: str
    device_id: str | None
    seq: int | None


async def provide_handheld(
    idempotency_key: IdempotencyKey, device_id: DeviceId = None, device_seq: DeviceSeq = None
) -> Handheld:
    return Handheld(key=idempotency_key, device_id=device_id, seq=device_seq)


class StaleCommand(Conflict):
    """The device has sent newer commands already"""

    slug = "stale-command"


async def _in_sequence(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    device_id: str | None,
    seq: int | None,
    now: datetime,
) -> None:
    if device_id is None and seq is None:
        return  # an API client without a queue of its own: the Idempotency-Key is enough
    if device_id is None or seq is None:
        missing = "Device-Id" if device_id is None else "Device-Seq"
        raise InvalidInput("send Device-Id and Device-Seq together", field=missing)
    last = await db.advance_device(
        conn,
        store_id=principal.store_id or "",
        device_id=device_id,
        picker_id=principal.subject,
        seq=seq,
        now=now,
    )
    if last is not None:
        raise StaleCommand(
            f"command {seq} from {device_id} comes after command {last} was applied; "
            "it was dropped, reload the batch",
            field="Device-Seq",
            last_seq=last,
        )


async def registered(conn: asyncpg.Connection, principal: Principal) -> None:
    """Only a picker the store registered works its floor: a token that names anyone else (one
    minted with a made-up subject) is refused before it changes or reads anything."""
    store_id = principal.store_id or ""
    if not await db.is_picker(conn, store_id=store_id, picker_id=principal.subject):
        raise Forbidden(f"{principal.subject} is not a registered picker of store {store_id}")


async def command(
    conn: asyncpg.Connection,
    request: Request,
    principal: Principal,
    handheld: Handheld,
    *,
    now: datetime,
    run: Callable[[], Awaitable[Any]],
) -> Response:
    """Apply a handheld's command once: replay it if its key was seen, else check its place in
    the device's sequence and run it, all in the request's transaction."""

    async def apply() -> Any:
        await registered(conn, principal)
        await _in_sequence(conn, principal, device_id=handheld.device_id, seq=handheld.seq, now=now)
        return await run()

    return await once(
        conn, request, caller=principal.subject, key=handheld.key, create=apply, status_code=200
    )
