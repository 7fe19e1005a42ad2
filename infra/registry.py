"""The three services as the operator's tools see them: settings, app factory, consumers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from litestar import Litestar

from services.delivery.app import create_app as delivery_app
from services.delivery.consumers import CONSUMERS as DELIVERY_CONSUMERS
from services.delivery.retention import TRIMS as DELIVERY_TRIMS
from services.delivery.settings import DeliverySettings
from services.fulfillment.app import create_app as fulfillment_app
from services.fulfillment.consumers import CONSUMERS as FULFILLMENT_CONSUMERS
from services.fulfillment.retention import TRIMS as FULFILLMENT_TRIMS
from services.fulfillment.settings import FulfillmentSettings
from services.orders.app import create_app as orders_app
from services.orders.consumers import consumers as orders_consumers
from services.orders.payments.gateway import StripeGateway
from services.orders.settings import OrdersSettings
from shared.bus import Consumer
from shared.bus.retention import TRIMS as BUS_TRIMS
from shared.migrations import KERNEL, Schema
from shared.retention import Trim
from shared.settings import ServiceSettings, load


@dataclass(frozen=True)
class ServiceEntry:
    settings: type[ServiceSettings]
    create_app: Callable[..., Litestar]
    # The service's consumers as its app builds them from its settings.
    consumers: Callable[[ServiceSettings], Sequence[Consumer]]
    # The tables it trims besides the bus's (which every service trims).
    trims: Sequence[Trim] = ()


def _orders(settings: OrdersSettings) -> Sequence[Consumer]:
    return orders_consumers(StripeGateway(settings.stripe_api_key, settings.stripe_api_base))


SERVICES: dict[str, ServiceEntry] = {
    "orders": ServiceEntry(OrdersSettings, orders_app, _orders),  # type: ignore[arg-type]
    "fulfillment": ServiceEntry(
        FulfillmentSettings, fulfillment_app, lambda _: FULFILLMENT_CONSUMERS, FULFILLMENT_TRIMS
    ),
    "delivery": ServiceEntry(
        DeliverySettings, delivery_app, lambda _: DELIVERY_CONSUMERS, DELIVERY_TRIMS
    ),
}


# Every schema's migrations in the order they apply: the kernel's first (the services' tables
# refer to it), then each service's own.
SCHEMAS: list[Schema] = [
    KERNEL,
    *(Schema(name, entry.settings.schema_folder()) for name, entry in SERVICES.items()),
]


def schema_of(service: str) -> Schema:
    return next(s for s in SCHEMAS if s.component == service)


def all_trims() -> list[Trim]:
    """Every table any service trims, the bus's first, for `omo events trim`."""
    return [*BUS_TRIMS, *(t for entry in SERVICES.values() for t in entry.trims)]


def all_consumers() -> list[Consumer]:
    """Every consumer of every service, for `omo migrate` to subscribe before anyone publishes."""
    return [c for entry in SERVICES.values() for c in entry.consumers(load(entry.settings))]
