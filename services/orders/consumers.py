"""Every event the orders service follows, with the handlers of each feature."""

from __future__ import annotations

from services.orders.payments.consumers import settle_on_packed, void_authorizations
from services.orders.payments.gateway import StripeGateway
from services.orders.substitutions.consumers import CONSUMERS as SUBSTITUTION_CONSUMERS
from services.orders.webhooks.domain import OFFERED
from services.orders.webhooks.service import fan_out
from shared.bus import Consumer


def consumers(gateway: StripeGateway) -> list[Consumer]:
    """Orders' consumers, bound to the app's payment gateway."""
    return [
        void_authorizations(gateway),
        settle_on_packed(gateway),
        *SUBSTITUTION_CONSUMERS,
        Consumer("orders.webhooks", tuple(sorted(OFFERED)), fan_out),
    ]
