"""Orders' settings (OMO_ORDERS_*)."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from shared.settings import Port, ServiceSettings, env_name

DEV_STRIPE_API_KEY = "sk_test_omo_local"
LOCALSTRIPE_URL = "http://127.0.0.1:8420"
DEV_WEBHOOK_SECRET = "whsec_omo_local_development_secret"


class OrdersSettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "orders"
    port: Port = 8001
    # Stripe, or a Stripe-compatible server (localstripe, started by `omo up`, in dev).
    stripe_api_key: str = DEV_STRIPE_API_KEY
    stripe_api_base: str = LOCALSTRIPE_URL
    stripe_webhook_secret: str = DEV_WEBHOOK_SECRET
    # The delivery service, asked for a promise at every checkout.
    delivery_url: str = "http://127.0.0.1:8003"
    quote_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=10)] = 0.3
    # Sign-up codes are text messages someone pays for (SMS pumping sends them to numbers that
    # earn per message): besides 5 an hour per phone, at most this many an hour per client
    # address and this many a minute from the whole service; beyond, 429 with Retry-After.
    otp_per_address_hour: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10
    otp_per_minute: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 60
    # How long a cached catalog page may show what was available when it was read (seconds):
    # a price, definition, count or currency change is never served late (catalog/pages.py).
    catalog_stock_lag_s: Annotated[float, msgspec.Meta(ge=0, le=60)] = 2.0
    # How often unpaid orders past their store's timeout, and stock claims past theirs (a
    # checkout that died between claiming and storing its order), are swept (clock seconds).
    unpaid_sweep_s: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # How often unanswered substitutions past their time limit are decided (clock seconds).
    substitution_sweep_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # How often webhook deliveries that are due are sent (clock seconds).
    webhook_send_s: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    # How often nudges that are due are sent to members (clock seconds).
    nudge_send_s: Annotated[float, msgspec.Meta(gt=0)] = 2.0

    def refused_in_prod(self) -> list[str]:
        """Besides the shared ones: with the development webhook secret anyone who reads this
        file can sign a "payment authorised" event; a test-mode key takes Stripe's test cards,
        so no money moves; localstripe is a stand-in that approves every card."""
        refused = super().refused_in_prod()
        if self.stripe_webhook_secret == DEV_WEBHOOK_SECRET:
            refused.append(
                f"{env_name(type(self), 'stripe_webhook_secret')} must be set to the signing "
                "secret Stripe shows for your endpoint"
            )
        if self.stripe_api_key.startswith(("sk_test_", "rk_test_")):
            refused.append(
                f"{env_name(type(self), 'stripe_api_key')} must be a live key, not a test key"
            )
        if self.stripe_api_base == LOCALSTRIPE_URL:
            refused.append(
                f"{env_name(type(self), 'stripe_api_base')} must be set to Stripe's API "
                "(https://api.stripe.com), not localstripe"
            )
        return refused
