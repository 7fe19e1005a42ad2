"""The payment gateway: Stripe PaymentIntents with manual capture, behind a small adapter.

Every call carries an idempotency key derived from the order, so a retried call never moves
money twice at Stripe (localstripe, the dev stand-in, ignores the header; our ledger and order
states guard the same ground). Amounts are in the currency's minor unit, as Stripe counts them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import cast

import msgspec
import stripe

from shared.errors import DomainError

TIMEOUT_S = 10


class PaymentIntent(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: str
    amount: int
    client_secret: str | None = None
    currency: str = ""  # lower case, as Stripe writes it
    metadata: dict[str, str] = {}


class Refund(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    amount: int
    currency: str
    status: str
    created: int  # Unix seconds


class Charge(msgspec.Struct, frozen=True, kw_only=True):
    """A charge as Stripe holds it: the PaymentIntent it belongs to and its refunds, oldest
    first."""

    id: str
    payment_intent: str | None
    refunds: list[Refund]


class GatewayUnavailable(DomainError):
    """The payment provider could not be reached or refused the request."""

    status = 502
    slug = "payment-gateway"


def _intent(pi: stripe.PaymentIntent) -> PaymentIntent:
    data = pi.to_dict()  # plain dicts: the stripe objects refuse .get()
    return PaymentIntent(
        id=pi.id,
        status=pi.status,
        amount=pi.amount,
        client_secret=data.get("client_secret"),
        currency=data.get("currency") or "",
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


class StripeGateway:
    """Talks to Stripe, or to any Stripe-compatible server at `api_base` (localstripe in dev)."""

    def __init__(self, api_key: str, api_base: str):
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=stripe.HTTPXClient(timeout=TIMEOUT_S),
            max_network_retries=2,
        )
        self._intents = self._client.v1.payment_intents

    async def _call(self, what: str, call: Awaitable[stripe.PaymentIntent]) -> PaymentIntent:
        try:
            return _intent(await call)
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"{what} failed at the payment provider: {exc}") from None

    async def authorize(
        self, *, order_id: str, store_id: str, amount: int, currency: str
    ) -> PaymentIntent:
        """A PaymentIntent to be confirmed by the shopper and captured after packing."""
        return await self._call(
            "authorization",
            self._intents.create_async(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "capture_method": "manual",
                    "metadata": {"order_id": order_id, "store_id": store_id},
                },
                options={"idempotency_key": f"authorize-{order_id}"},
            ),
        )

    async def charge_on_confirm(
        self, *, store_id: str, cart_id: str, amount: int, currency: str, idempotency_key: str
    ) -> PaymentIntent:
        """A PaymentIntent for a whole amount, captured as soon as the shopper confirms it
        (scan-and-go: nothing is weighed after payment)."""
        return await self._call(
            "the payment",
            self._intents.create_async(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "capture_method": "automatic",
                    "metadata": {"cart_id": cart_id, "store_id": store_id},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )

    async def confirm(self, intent_id: str, payment_method: str) -> PaymentIntent:
        """Attach a payment method and confirm (what the app's Stripe SDK does in production)."""
        await self._call(
            "attaching the card",
            self._intents.update_async(intent_id, params={"payment_method": payment_method}),
        )
        return await self._call("confirmation", self._intents.confirm_async(intent_id))

    async def capture(self, intent_id: str, amount: int) -> PaymentIntent:
        """Capture `amount` (at most what was authorized); Stripe releases the rest.

        A capture that already happened (a redelivered event) is found and returned as done."""
        try:
            return _intent(
                await self._intents.capture_async(
                    intent_id,
                    params={"amount_to_capture": amount},
                    options={"idempotency_key": f"capture-{intent_id}"},
                )
            )
        except stripe.StripeError as exc:
            current = await self._call(
                "looking up the payment", self._intents.retrieve_async(intent_id)
            )
            if current.status == "succeeded":
                return current
            raise GatewayUnavailable(f"capture failed at the payment provider: {exc}") from None

    async def charge(
        self, *, order_id: str, like: str, amount: int, currency: str
    ) -> PaymentIntent:
        """A second charge, off session, with the card of PaymentIntent `like`."""
        original = await self._intents.retrieve_async(like)
        return await self._call(
            "the second charge",
            self._intents.create_async(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "confirm": True,
                    "off_session": True,
                    "payment_method": cast(str, original.payment_method),  # its id: not expanded
                    "metadata": {"order_id": order_id, "reason": "above authorization"},
                },
                options={"idempotency_key": f"charge-{order_id}"},
            ),
        )

    async def refund(self, intent_id: str, amount: int, key: str) -> str:
        """Refund part of a captured payment; returns the refund's id."""
        try:
            refund = await self._client.v1.refunds.create_async(
                params={"payment_intent": intent_id, "amount": amount},
                options={"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"the refund failed at the payment provider: {exc}") from None
        return refund.id

    async def retrieve(self, intent_id: str) -> PaymentIntent | None:
        """The PaymentIntent as Stripe holds it now; None if Stripe does not know it."""
        try:
            return _intent(await self._intents.retrieve_async(intent_id))
        except stripe.InvalidRequestError:
            return None  # no such intent (404), or an id Stripe cannot read (400)
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"looking up the payment failed: {exc}") from None

    async def charge_refunds(self, charge_id: str) -> Charge | None:
        """A charge and its refunds as Stripe holds them now; None if Stripe does not know it."""
        try:
            charge = await self._client.v1.charges.retrieve_async(charge_id)
            refunds = await self._client.v1.refunds.list_async(
                params={"charge": charge_id, "limit": 100}
            )
        except stripe.InvalidRequestError:
            return None
        except stripe.StripeError as exc:
            raise GatewayUnavailable(f"looking up the charge failed: {exc}") from None
        return Charge(
            id=charge.id,
            payment_intent=charge.to_dict().get("payment_intent"),
            refunds=[
                Refund(
                    id=r.id,
                    amount=r.amount,
                    currency=r.currency,
                    status=r.status or "pending",
                    created=r.created,
                )
                for r in sorted(refunds.data, key=lambda r: r.created)
            ],
        )

    async def cancel(self, intent_id: str) -> PaymentIntent:
        """Void an uncaptured authorization."""
        return await self._call(
            "voiding",
            self._intents.cancel_async(intent_id, options={"idempotency_key": f"void-{intent_id}"}),
        )
