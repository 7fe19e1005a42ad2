"""Fulfillment's composition root."""

from __future__ import annotations

from litestar import Litestar

from services.fulfillment.api import ROUTES
from services.fulfillment.consumers import CONSUMERS
from services.fulfillment.settings import FulfillmentSettings
from shared.web.app import build_app


def create_app(settings: FulfillmentSettings) -> Litestar:
    return build_app(
        settings,
        title="omo fulfillment",
        description="Pick tasks and batches, handheld scanner screens, substitutions, packing.",
        route_handlers=ROUTES,
        consumers=CONSUMERS,
    )
