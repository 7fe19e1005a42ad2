"""The three services as the operator's tools see them: settings, app factory, consumers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from litestar import Litestar

from services.delivery.app import create_app as delivery_app
from services.delivery.consumers import CONSUMERS as DELIVERY_CONSUMERS
from services.delivery.settings import DeliverySettings
from services.fulfillment.app import create_app as fulfillment_app
from services.fulfillment.consumers import CONSUMERS as FULFILLMENT_CONSUMERS
from services.fulfillment.settings import FulfillmentSettings
from services.orders.app import create_app as orders_app
from services.orders.settings import OrdersSettings
from shared.bus import Consumer
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceEntry:
    settings: type[ServiceSettings]
    create_app: Callable[..., Litestar]
    consumers: tuple[Consumer, ...]


SERVICES: dict[str, ServiceEntry] = {
    "orders": ServiceEntry(OrdersSettings, orders_app, ()),
    "fulfillment": ServiceEntry(FulfillmentSettings, fulfillment_app, tuple(FULFILLMENT_CONSUMERS)),
    "delivery": ServiceEntry(DeliverySettings, delivery_app, tuple(DELIVERY_CONSUMERS)),
}
ALL_CONSUMERS = [c for entry in SERVICES.values() for c in entry.consumers]
