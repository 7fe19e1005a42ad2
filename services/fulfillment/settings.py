"""Fulfillment's settings (OMO_FULFILLMENT_*)."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Port, ServiceSettings


class FulfillmentSettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "fulfillment"
    port: Port = 8002
