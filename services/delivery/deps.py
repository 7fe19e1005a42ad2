"""The delivery service's own dependencies, by the name a handler gives its parameter; its
composition root (`app.py`) provides them, beside the kernel's (`shared.web.deps`). Our own
objects, so not validated on every request."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from services.delivery.live.floor import FloorClient
from services.delivery.quoting import Futures
from services.delivery.settings import DeliverySettings

Settings = NamedDependency[SkipValidation[DeliverySettings]]
# Each store's model of the future, kept between quotes.
Forecasts = NamedDependency[SkipValidation[Futures]]
# Fulfillment's floor, asked for the live page with the manager's own token.
Floor = NamedDependency[SkipValidation[FloorClient]]
