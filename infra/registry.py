"""The three services as the operator's tools see them: settings, app factory, consumers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from litestar import Litestar

from services.delivery.app import create_app as delivery_app
from services.delivery.consumers import CONSUMERS as DELIVERY_CONSUMERS
from services.delivery.settings import DeliverySettings
from services.fulfillment.app import create_app as fulfillment_app
from services.fulfillment.consumers import CONSUMERS as FULFILLMENT_CONSUMERS
from services.fulfillment.settings import FulfillmentSettings
from services.orders.app import create_app as orders_app
from services.orders.consumers import consumers as orders_consumers
from services.orders.payments.gateway import StripeGateway
from services.orders.settings import OrdersSettings
from shared.bus import Consumer
from shared.settings import ServiceSettings, load


@dataclass(frozen=True)
class ServiceEntry:
    settings: type[ServiceSettings]
    create_app: Callable[..., Litestar]
    # The service's consumers as its app builds them from its settings.
    consumers: Callable[[ServiceSettings], Sequence[Consumer]]


def _orders(settings: OrdersSettings) -> Sequence[Consumer]:
    return orders_consumers(StripeGateway(settings.stripe_api_key, settings.stripe_api_base))


SERVICES: dict[str, ServiceEntry] = {
    "orders": ServiceEntry(OrdersSettings, orders_app, _orders),  # type: ignore[arg-type]
    "fulfillment": ServiceEntry(
        FulfillmentSettings, fulfillment_app, lambda _: FULFILLMENT_CONSUMERS
    ),
    "delivery": ServiceEntry(DeliverySettings, delivery_app, lambda _: DELIVERY_CONSUMERS),
}


def all_consumers() -> list[Consumer]:
    """Every consumer of every service, for `omo migrate` to subscribe before anyone publishes."""
    return [c for entry in SERVICES.values() for c in entry.consumers(load(entry.settings))]
