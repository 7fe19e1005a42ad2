"""How a one-time code reaches a phone: a small port, and the logging sender used until an SMS
gateway is plugged in (put another `Notifier` in the app's state as `notifier`; the `notifier`
dependency, services/orders/deps.py, hands it to the handler)."""

from __future__ import annotations

import logging
from typing import Protocol

from services.orders.members.domain import mask_phone

log = logging.getLogger("omo.members")


class Notifier(Protocol):
    async def send_code(self, phone: str, code: str) -> None:
        """Deliver `code` to `phone`; called after the request's transaction has committed."""


class LoggingNotifier:
    """Logs that a code went out, to whom (masked) but never the code itself."""

    async def send_code(self, phone: str, code: str) -> None:
        log.info("sending code to %s", mask_phone(phone))
