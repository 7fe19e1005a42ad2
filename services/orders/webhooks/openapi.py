"""The document's `webhooks:` section: what an endpoint registered for a topic receives, its
`data` the event's own JSON Schema (msgspec's, from the struct in `shared.events`), so the
document and the payload cannot drift apart; the topics that carry money show an example."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar.openapi.spec import (
    Example,
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
from services.orders.webhooks.service import envelope_body
from shared.events import (
    TOPICS,
    Envelope,
    Event,
    OrderPlaced,
    PaymentCaptured,
    PaymentRefunded,
    PlacedLine,
)
from shared.money import Money

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


_STORE, _ORDER_ID = "kobe-sannomiya", "ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4"
_YEN = "JPY"
# One event of each topic that carries money, as an endpoint receives it.
_EXAMPLES: dict[str, Event] = {
    e.topic: e
    for e in (
        OrderPlaced(
            store_id=_STORE,
            order_id=_ORDER_ID,
            member_id="mem_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c5",
            fulfilment="pickup",
            address=None,
            promise_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
            lines=[
                PlacedLine(
                    line_no=1,
                    sku="4901234567894",
                    name_en="Milk 1 L",
                    name_ja="牛乳 1L",
                    zone="chilled",
                    unit="each",
                    quantity=2,
                    unit_price=Money(248, _YEN),
                    substitution="same_brand",
                    ean="4901234567894",
                )
            ],
        ),
        PaymentCaptured(store_id=_STORE, order_id=_ORDER_ID, amount=Money(496, _YEN)),
        PaymentRefunded(store_id=_STORE, order_id=_ORDER_ID, amount=Money(248, _YEN)),
    )
}


@dataclass
class _JsonSchema(Schema):
    """A JSON Schema carried into the document as written (OpenAPI 3.1 takes JSON Schema)."""

    raw: dict[str, Any] = field(default_factory=dict)

    def to_schema(self) -> dict[str, Any]:
        return self.raw


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """`schema` with every `#/$defs/X` replaced by X itself: each webhook's payload stands
    alone, and no name of an event's part can collide with a schema of the API's."""
    if isinstance(schema, list):
        return [_inline(x, defs) for x in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(defs[schema["$ref"].removeprefix("#/$defs/")], defs)
    return {k: _inline(v, defs) for k, v in schema.items()}


def data_schema(topic: str) -> dict[str, Any]:
    """The JSON Schema of a `topic` delivery's `data`: its event, less what is withheld."""
    written = msgspec.json.schema(TOPICS[topic])
    data = _inline(written, written.get("$defs", {}))
    data["properties"] = {k: v for k, v in data["properties"].items() if k not in WITHHELD}
    data["required"] = [k for k in data.get("required", []) if k not in WITHHELD]
    return data


def _example(event: Event) -> Example:
    """The body a delivery of `event` sends, made as the sender makes it."""
    envelope = Envelope(
        id=UUID("0190b1c2-d3e4-7f5a-b6c7-d8e9f0a1b2c3"),
        seq=4711,
        topic=event.topic,
        key=event.key,
        version=event.version,
        occurred_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        event=event,
    )
    body = msgspec.json.decode(envelope_body(envelope))
    return Example(summary=f"a {event.topic} delivery", value=body)


def _operation(topic: str) -> Operation:
    data = _JsonSchema(raw=data_schema(topic))
    example = _EXAMPLES.get(topic)
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
                    ),
                    examples={"delivery": _example(example)} if example else None,
                )
            },
        ),
    )


WEBHOOKS = {topic: PathItem(post=_operation(topic)) for topic in sorted(OFFERED)}
