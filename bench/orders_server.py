"""The orders service with an instant payment gateway, for `bench.orders` to measure our own cost.

    python -m bench.orders_server      (settings from the environment, as `omo serve orders`)

`InstantGateway` answers every call at once without a network hop, so a placement's latency is
the quote, our SQL and our Python, nothing of Stripe's. Never use it outside a benchmark.
"""

from __future__ import annotations

import uuid

import uvicorn

from services.orders.app import create_app
from services.orders.payments.gateway import PaymentIntent
from services.orders.settings import OrdersSettings
from shared.settings import load


class InstantGateway:
    """StripeGateway's methods, answered from memory: intents authorize as Stripe's test card."""

    def __init__(self) -> None:
        self._amounts: dict[str, int] = {}

    def _intent(self, intent_id: str, status: str, amount: int | None = None) -> PaymentIntent:
        amount = self._amounts.get(intent_id, 0) if amount is None else amount
        return PaymentIntent(
            id=intent_id, status=status, amount=amount, client_secret=f"{intent_id}_secret"
        )

    async def authorize(
        self, *, order_id: str, store_id: str, amount: int, currency: str
    ) -> PaymentIntent:
        intent_id = f"pi_instant_{uuid.uuid4().hex}"
        self._amounts[intent_id] = amount
        return self._intent(intent_id, "requires_payment_method")

    async def confirm(self, intent_id: str, payment_method: str) -> PaymentIntent:
        return self._intent(intent_id, "requires_capture")

    async def capture(self, intent_id: str, amount: int) -> PaymentIntent:
        return self._intent(intent_id, "succeeded", amount)

    async def charge(
        self, *, order_id: str, like: str, amount: int, currency: str
    ) -> PaymentIntent:
        intent_id = f"pi_instant_{uuid.uuid4().hex}"
        self._amounts[intent_id] = amount
        return self._intent(intent_id, "succeeded")

    async def charge_on_confirm(
        self, *, store_id: str, cart_id: str, amount: int, currency: str, idempotency_key: str
    ) -> PaymentIntent:
        intent_id = f"pi_instant_{uuid.uuid4().hex}"
        self._amounts[intent_id] = amount
        return self._intent(intent_id, "requires_payment_method")

    async def refund(self, intent_id: str, amount: int, key: str) -> str:
        return f"re_instant_{uuid.uuid4().hex}"

    async def cancel(self, intent_id: str) -> PaymentIntent:
        return self._intent(intent_id, "canceled")


def main() -> None:
    settings = load(OrdersSettings)
    app = create_app(settings, gateway=InstantGateway())  # type: ignore[arg-type]
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    main()
