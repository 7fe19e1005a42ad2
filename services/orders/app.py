"""Orders' composition root: the routes of every feature, the payment gateway, the quote client."""

from __future__ import annotations

from functools import partial

import httpx
from litestar import Litestar

from services.orders.catalog.api import ROUTES as CATALOG_ROUTES
from services.orders.catalog.pages import PageCache
from services.orders.checkout import cancelling
from services.orders.checkout.api import ROUTES as CHECKOUT_ROUTES
from services.orders.checkout.quotes import QuoteClient
from services.orders.consumers import consumers
from services.orders.deps import NOTIFIER
from services.orders.history.api import ROUTES as HISTORY_ROUTES
from services.orders.live.api import ROUTES as LIVE_ROUTES
from services.orders.members.api import ROUTES as MEMBER_ROUTES
from services.orders.members.store import is_erased as member_erased
from services.orders.metrics import BUSINESS
from services.orders.nudges import service as nudges
from services.orders.nudges.api import ROUTES as NUDGE_ROUTES
from services.orders.nudges.notify import LoggingSender, NudgeSender
from services.orders.on_behalf.api import ROUTES as ON_BEHALF_ROUTES
from services.orders.payments.api import ROUTES as PAYMENT_ROUTES
from services.orders.payments.gateway import StripeGateway
from services.orders.pickups.api import ROUTES as PICKUP_ROUTES
from services.orders.scan_and_go.api import ROUTES as SCAN_AND_GO_ROUTES
from services.orders.settings import OrdersSettings
from services.orders.stores.api import ROUTES as STORE_ROUTES
from services.orders.substitutions import service as substitutions
from services.orders.substitutions.api import ROUTES as SUBSTITUTION_ROUTES
from services.orders.till.api import ROUTES as TILL_ROUTES
from services.orders.webhooks import service as webhooks
from services.orders.webhooks.api import ROUTES as WEBHOOK_ROUTES
from services.orders.webhooks.openapi import WEBHOOKS
from shared.auth import service_token
from shared.clock import Clock
from shared.web.app import build_app


def create_app(
    settings: OrdersSettings,
    *,
    gateway: StripeGateway | None = None,
    nudge_sender: NudgeSender | None = None,
) -> Litestar:
    """`gateway` replaces Stripe only where Stripe cannot be reached or must not be measured
    (the benchmark's instant gateway); everything else runs as in production. `nudge_sender`
    is the push or SMS adapter that brings members back online (the log, by default)."""
    clock = Clock(settings.clock_speed, settings.clock_start)
    nudge_sender = nudge_sender or LoggingSender()
    gateway = gateway or StripeGateway(settings.stripe_api_key, settings.stripe_api_base)
    token = service_token(settings.jwt_secret, "orders")
    quotes = QuoteClient(settings.delivery_url, token, timeout_s=settings.quote_timeout_s)
    hooks_http = httpx.AsyncClient(timeout=webhooks.SEND_TIMEOUT_S, follow_redirects=False)
    return build_app(
        settings,
        title="omo orders",
        description="Stores, catalog and stock for every channel, checkout, payments, members.",
        route_handlers=[
            *STORE_ROUTES,
            *CATALOG_ROUTES,
            *MEMBER_ROUTES,
            *CHECKOUT_ROUTES,
            *ON_BEHALF_ROUTES,
            *TILL_ROUTES,
            *SCAN_AND_GO_ROUTES,
            *PICKUP_ROUTES,
            *PAYMENT_ROUTES,
            *SUBSTITUTION_ROUTES,
            *HISTORY_ROUTES,
            *LIVE_ROUTES,
            *WEBHOOK_ROUTES,
            *NUDGE_ROUTES,
        ],
        consumers=consumers(gateway),
        clock=clock,
        jobs=[
            (settings.unpaid_sweep_s, partial(cancelling.expire_unpaid, clock=clock)),
            (settings.unpaid_sweep_s, partial(cancelling.expire_claims, clock=clock)),
            (settings.substitution_sweep_s, partial(substitutions.decide_overdue, clock=clock)),
            (settings.webhook_send_s, partial(webhooks.send_due, clock=clock, http=hooks_http)),
            (settings.nudge_send_s, partial(nudges.send_due, clock=clock, sender=nudge_sender)),
        ],
        dependencies={
            "gateway": gateway,
            "quotes": quotes,
            "notifier": NOTIFIER,
            "pages": PageCache(stock_lag_s=settings.catalog_stock_lag_s),
        },
        on_shutdown=[quotes.aclose, hooks_http.aclose],
        business=BUSINESS,
        erased=member_erased,
        webhooks=WEBHOOKS,
    )
