"""The document's `webhooks:` section: what an endpoint registered for a topic receives."""

from __future__ import annotations

import msgspec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    RequestBody,
    Schema,
)

from services.orders.webhooks.domain import OFFERED, SIGNATURE_HEADER, WITHHELD
from shared.events import TOPICS

_TEXT = Schema(type=OpenAPIType.STRING)
_ENVELOPE = {
    "id": Schema(
        type=OpenAPIType.STRING, format=OpenAPIFormat.UUID, description="the same on a redelivery"
    ),
    "seq": Schema(type=OpenAPIType.INTEGER, description="the event's place in the log"),
    "topic": Schema(type=OpenAPIType.STRING),
    "occurred_at": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
    "store_id": Schema(type=OpenAPIType.STRING),
}


def _operation(topic: str) -> Operation:
    fields = ", ".join(
        f.name for f in msgspec.structs.fields(TOPICS[topic]) if f.name not in WITHHELD
    )
    data = Schema(type=OpenAPIType.OBJECT, description=f"The event's fields: {fields}.")
    return Operation(
        summary=topic,
        description=(
            f"POSTed to every endpoint registered for `{topic}` (or `*`). Verify "
            f'`{SIGNATURE_HEADER}` (`t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">` with the '
            "endpoint's secret) before trusting it, and handle each `id` once. Answer 2xx "
            "quickly; anything else is tried again with backoff."
        ),
        parameters=[
            Parameter(name=SIGNATURE_HEADER, param_in="header", required=True, schema=_TEXT),
            Parameter(name="Omo-Event-Id", param_in="header", required=True, schema=_TEXT),
        ],
        request_body=RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={**_ENVELOPE, "data": data},
                        required=[*_ENVELOPE, "data"],
                    )
                )
            },
        ),
    )


WEBHOOKS = {topic: PathItem(post=_operation(topic)) for topic in sorted(OFFERED)}
