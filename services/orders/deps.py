"""The orders service's own dependencies, by the name a handler gives its parameter; its
composition root (`app.py`) provides them, beside the kernel's (`shared.web.deps`). Our own
objects, so not validated on every request."""

from __future__ import annotations

from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, SkipValidation

from services.orders.catalog.pages import PageCache
from services.orders.checkout.quotes import QuoteClient
from services.orders.members.notify import LoggingNotifier, Notifier
from services.orders.payments.gateway import StripeGateway
from services.orders.settings import OrdersSettings
from shared.web.openapi import problems

Settings = NamedDependency[SkipValidation[OrdersSettings]]
Gateway = NamedDependency[SkipValidation[StripeGateway]]  # Stripe, or a stand-in for a benchmark
# What an operation that calls Stripe may answer besides the problems every one may.
GATEWAY_PROBLEMS = problems(
    {502: "Stripe could not be reached or refused the request (`payment-gateway`)."}
)
Quotes = NamedDependency[SkipValidation[QuoteClient]]  # delivery's promises
Pages = NamedDependency[SkipValidation[PageCache]]  # catalog pages cached in the process
CodeSender = NamedDependency[SkipValidation[Notifier]]  # how a sign-up code reaches a phone
# The reader's languages, for what the answer words (catalog/paging.py, caller_language).
AcceptLanguage = Annotated[str | None, HeaderParameter(name="Accept-Language", max_length=200)]
# The `ETag`s of the pages a client holds, for a 304 (catalog/pages.py).
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        max_length=2000,
        description="The `ETag` of the copy the client holds: 304 with no body if it still stands.",
    ),
]


def _notifier(state: State) -> Notifier:
    """The SMS sender an operator plugged into the app's state as `notifier`, else the log."""
    return state.get("notifier") or LoggingNotifier()


NOTIFIER = Provide(_notifier, sync_to_thread=False)
