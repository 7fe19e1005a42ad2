"""The delivery service's own dependencies, by the name a handler gives its parameter; its
composition root (`app.py`) provides them, beside the kernel's (`shared.web.deps`)."""

from __future__ import annotations

from litestar.di import NamedDependency

from services.delivery.quoting import Futures
from services.delivery.settings import DeliverySettings

Settings = NamedDependency[DeliverySettings]
Forecasts = NamedDependency[Futures]  # each store's model of the future, kept between quotes
