"""How a nudge reaches a member: a small port, and the logging sender used in dev.

A push adapter (the member's devices, by member id) or an SMS adapter (their phone) implements
`NudgeSender` and is given to `create_app(nudge_sender=...)`; the sending job calls it with no
transaction waiting on it longer than `SEND_TIMEOUT_S`.
"""

from __future__ import annotations

import logging
from typing import Protocol

import msgspec

from services.orders.members.domain import mask_phone
from services.orders.nudges.rules import Channel, Kind

log = logging.getLogger("omo.nudges")


class Outgoing(msgspec.Struct, frozen=True, kw_only=True):
    nudge_id: str
    member_id: str
    kind: Kind
    channel: Channel
    phone: str | None  # for SMS
    message: str


class NudgeSender(Protocol):
    async def send(self, nudge: Outgoing) -> None:
        """Deliver the nudge by its channel; raise if it could not go (it is tried again)."""


class LoggingSender:
    """Logs each nudge: its id, kind, channel and member (a phone masked), not its text."""

    async def send(self, nudge: Outgoing) -> None:
        to = mask_phone(nudge.phone) if nudge.phone else nudge.member_id
        log.info("nudge %s (%s) by %s to %s", nudge.nudge_id, nudge.kind, nudge.channel, to)
