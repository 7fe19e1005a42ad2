"""Fulfillment's settings (OMO_FULFILLMENT_*)."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from shared.settings import Port, ServiceSettings


class FulfillmentSettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "fulfillment"
    port: Port = 8002
    orders_url: str = "http://127.0.0.1:8001"  # for substitute offers when a line is short
    substitutes_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=10)] = 0.5
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=12)] = 4  # orders (totes) per batch
    lease_s: Annotated[float, msgspec.Meta(ge=5, le=3600)] = 60.0
    decide_s: Annotated[float, msgspec.Meta(ge=10, le=3600)] = 120.0  # the shopper's time to answer
    lapse_sweep_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
