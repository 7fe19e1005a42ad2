"""Orders' composition root."""

from __future__ import annotations

from litestar import Litestar

from services.orders.settings import OrdersSettings
from services.orders.catalog.api import ROUTES as CATALOG_ROUTES
from services.orders.members.api import ROUTES as MEMBER_ROUTES
from services.orders.stores.api import ROUTES as STORE_ROUTES
from shared.web.app import build_app


def create_app(settings: OrdersSettings) -> Litestar:
    return build_app(
        settings,
        title="omo orders",
        description="Stores, catalog and stock for every channel, checkout, payments, members.",
        route_handlers=[*STORE_ROUTES, *CATALOG_ROUTES, *MEMBER_ROUTES],
    )
