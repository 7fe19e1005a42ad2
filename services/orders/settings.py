"""Orders' settings (OMO_ORDERS_*)."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from shared.settings import Port, ServiceSettings


class OrdersSettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "orders"
    port: Port = 8001
    # Stripe, or a Stripe-compatible server (localstripe, started by `omo up`, in dev).
    stripe_api_key: str = "sk_test_omo_local"
    stripe_api_base: str = "http://127.0.0.1:8420"
    stripe_webhook_secret: str = "whsec_omo_local_development_secret"
    # The delivery service, asked for a promise at every checkout.
    delivery_url: str = "http://127.0.0.1:8003"
    quote_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=10)] = 0.3
    # Sign-up codes are text messages someone pays for (SMS pumping sends them to numbers that
    # earn per message): besides 5 an hour per phone, at most this many an hour per client
    # address and this many a minute from the whole service; beyond, 429 with Retry-After.
    otp_per_address_hour: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 10
    otp_per_minute: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 60
    # How often unpaid orders past their store's timeout are swept (clock seconds).
    unpaid_sweep_s: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # How often unanswered substitutions past their time limit are decided (clock seconds).
    substitution_sweep_s: Annotated[float, msgspec.Meta(gt=0)] = 5.0
    # How often webhook deliveries that are due are sent (clock seconds).
    webhook_send_s: Annotated[float, msgspec.Meta(gt=0)] = 1.0
