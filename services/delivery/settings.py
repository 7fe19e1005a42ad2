"""Delivery's settings (OMO_DELIVERY_*)."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Port, ServiceSettings


class DeliverySettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "delivery"
    port: Port = 8003
