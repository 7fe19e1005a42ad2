"""Asking the delivery service for a promise at checkout: 300 ms, or no promise."""

from __future__ import annotations

import httpx
import msgspec

from services.orders.checkout.domain import Promised
from services.orders.metrics import PROMISES
from shared.errors import DomainError, NotFound
from shared.tracing import pass_on_request_id


class NoPromise(DomainError):
    """The store cannot promise this order now."""

    status = 422
    slug = "no-promise"


def _outcome(promised: Promised) -> str:
    """The answer as the business reads it; a later promise may still be declined by the
    shopper (`accept_later_promise`), which is theirs to say, not the store's refusal."""
    if not promised.deliverable:
        return "outside_zone"
    if promised.promise_at is None:
        return "refused"
    return "in_30_minutes" if promised.meets_30_minutes else "later"


# Built once: a quote is asked for on every checkout.
_encode = msgspec.json.Encoder().encode
_decode_promised = msgspec.json.Decoder(Promised).decode
JSON_CONTENT = {"Content-Type": "application/json"}


class QuoteClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 0.3):
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}"},
            event_hooks={"request": [pass_on_request_id]},
        )

    async def quote(
        self, *, store_id: str, lat: float, lng: float, pickup: bool, packed: bool = False
    ) -> Promised:
        """`packed`: a basket bagged already (the till's deliver-home) needs no picking."""
        body = {
            "store_id": store_id,
            "lat": lat,
            "lng": lng,
            "fulfilment": "pickup" if pickup else "delivery",
            "packed": packed,
        }
        try:
            response = await self._http.post(
                "/v1/quotes", content=_encode(body), headers=JSON_CONTENT
            )
        except httpx.HTTPError as exc:
            PROMISES.labels(store_id, "refused").inc()
            raise NoPromise(
                f"the delivery service did not answer in time ({type(exc).__name__}); "
                "no promise can be made, please try again"
            ) from None
        if response.status_code == 404:
            raise NotFound(f"there is no store {store_id}", field="store_id")
        if response.status_code != 200:
            PROMISES.labels(store_id, "refused").inc()
            raise NoPromise(f"the delivery service could not quote ({response.status_code})")
        promised = _decode_promised(response.content)
        PROMISES.labels(store_id, _outcome(promised)).inc()
        return promised

    async def aclose(self) -> None:
        await self._http.aclose()
