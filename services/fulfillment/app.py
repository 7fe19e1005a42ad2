"""Fulfillment's composition root."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from litestar import Litestar

from services.fulfillment.api import ROUTES
from services.fulfillment.batches import claiming
from services.fulfillment.batches.api import ROUTES as BATCH_ROUTES
from services.fulfillment.batches.substitutes import SubstitutesClient
from services.fulfillment.consumers import CONSUMERS
from services.fulfillment.handheld.api import ROUTES as HANDHELD_ROUTES
from services.fulfillment.live import Hub
from services.fulfillment.metrics import BUSINESS
from services.fulfillment.retention import TRIMS
from services.fulfillment.settings import FulfillmentSettings
from shared.auth import service_token
from shared.clock import Clock
from shared.web.app import build_app


def create_app(settings: FulfillmentSettings) -> Litestar:
    clock = Clock(settings.clock_speed, settings.clock_start)
    token = service_token(settings.jwt_secret, "fulfillment")
    substitutes = SubstitutesClient(
        settings.orders_url, token, timeout_s=settings.substitutes_timeout_s
    )
    hub = Hub(settings.database_url)
    policy = claiming.Policy(
        batch_size=settings.batch_size,
        lease=timedelta(seconds=settings.lease_s),
        decide_within=timedelta(seconds=settings.decide_s),
    )
    return build_app(
        settings,
        title="omo fulfillment",
        description="Pick tasks and batches, handheld scanner screens, substitutions, packing.",
        route_handlers=[*ROUTES, *BATCH_ROUTES, *HANDHELD_ROUTES],
        consumers=CONSUMERS,
        clock=clock,
        jobs=[(settings.lapse_sweep_s, partial(claiming.lapse_everywhere, clock=clock))],
        trims=TRIMS,
        dependencies={"substitutes": substitutes, "hub": hub, "policy": policy},
        on_shutdown=[substitutes.aclose, hub.aclose],
        business=BUSINESS,
    )
