"""Orders' settings (OMO_ORDERS_*)."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Port, ServiceSettings


class OrdersSettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "orders"
    port: Port = 8001
