"""Scan-and-go's one call the shared gateway lacks: a PaymentIntent captured on confirmation.

Online orders authorize and capture after packing; a scan-and-go cart is paid in full at once
(`capture_method=automatic`). The StripeGateway has no such call yet, so this thin wrapper makes
one from the app's settings. Confirming goes through the shared gateway (`confirm` works for
either kind). Amounts are in the currency's minor unit, as Stripe counts them.
"""

from __future__ import annotations

import stripe

from services.orders.payments.gateway import TIMEOUT_S, GatewayUnavailable, PaymentIntent
from services.orders.settings import OrdersSettings


async def charge_on_confirm(
    settings: OrdersSettings,
    *,
    store_id: str,
    cart_id: str,
    amount: int,
    currency: str,
    idempotency_key: str,
) -> PaymentIntent:
    """A PaymentIntent for the whole amount, captured as soon as the shopper confirms it."""
    http = stripe.HTTPXClient(timeout=TIMEOUT_S)
    client = stripe.StripeClient(
        settings.stripe_api_key,
        base_addresses={"api": settings.stripe_api_base},
        http_client=http,
        max_network_retries=2,
    )
    try:
        intent = await client.v1.payment_intents.create_async(
            params={
                "amount": amount,
                "currency": currency.lower(),
                "capture_method": "automatic",
                "metadata": {"cart_id": cart_id, "store_id": store_id},
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise GatewayUnavailable(f"the payment failed at the payment provider: {exc}") from None
    finally:
        await http.close_async()
    return PaymentIntent(
        id=intent.id,
        status=intent.status,
        amount=intent.amount,
        client_secret=intent.to_dict().get("client_secret"),
    )
