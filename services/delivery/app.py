"""Delivery's composition root."""

from __future__ import annotations

from litestar import Litestar

from services.delivery.api import ROUTES
from services.delivery.consumers import CONSUMERS
from services.delivery.deliveries.api import ROUTES as DELIVERY_ROUTES
from services.delivery.live.api import ROUTES as LIVE_ROUTES
from services.delivery.live.floor import FloorClient
from services.delivery.members.erasure import is_erased
from services.delivery.metrics import BUSINESS
from services.delivery.quoting import Futures
from services.delivery.retention import TRIMS
from services.delivery.riders.api import ROUTES as RIDER_ROUTES
from services.delivery.settings import DeliverySettings
from shared.web.app import build_app


def create_app(settings: DeliverySettings) -> Litestar:
    floor = FloorClient(settings.fulfillment_url)
    return build_app(
        settings,
        title="omo delivery",
        description="Delivery zones and the 30-minute promise, riders, dispatch, tracking.",
        route_handlers=[*ROUTES, *RIDER_ROUTES, *DELIVERY_ROUTES, *LIVE_ROUTES],
        consumers=CONSUMERS,
        trims=TRIMS,
        dependencies={"futures": Futures(), "floor": floor},
        on_shutdown=[floor.aclose],
        business=BUSINESS,
        erased=is_erased,
    )
