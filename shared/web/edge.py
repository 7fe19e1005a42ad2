"""The request's edge: what no handler should have to check, checked once before any of them runs.

Litestar decodes a body leniently (a quantity sent as "2" became 2) and lets through what
PostgreSQL then refuses with a 500: a NUL character in any text, or a JSON body nested so deep
that the decoder runs out of stack. This hook, run before each handler's parameters are parsed,
turns each into a 400 naming the field, in the same shape as Litestar's own validation errors
(see `problems.on_validation_error`).
"""

from __future__ import annotations

from typing import Annotated, Any, get_origin

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import SerializationException, ValidationException
from litestar.params import BodyKwarg

NUL = "\x00"
_NUL_ESCAPE = b"\\u0000"  # how a NUL appears in JSON text (a raw one is already malformed)


def _invalid(message: str, *, key: str, source: str) -> ValidationException:
    return ValidationException(
        detail="the request is not valid",
        extra=[{"message": message, "key": key, "source": source}],
    )


def _nul_at(value: Any) -> str | None:
    """The JSON path (`$.a.b[0]`) of the first string, or object key, holding a NUL."""
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                if NUL in key:
                    return path
                stack.append((f"{path}.{key}", inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))
    return None


def _check_text(request: Request) -> None:
    for source, params in (("path", request.path_params), ("query", request.query_params)):
        for key, value in params.items():
            if isinstance(value, str) and NUL in value:
                raise _invalid("a NUL character is not allowed", key=key, source=source)


# A body's annotation -> (that annotation, the type msgspec checks), filled as bodies arrive.
_BODY_TYPES: dict[int, tuple[Any, Any]] = {}


def _body_type(raw: Any) -> Any:
    """The type msgspec checks a body against: its annotation with its msgspec constraints but
    without Litestar's markers (a `Body` example), which msgspec ignores yet hashes on each
    call: 100 µs of CPU a checkout spent on `dataclasses.asdict` of the marker. Kept by the
    annotation's identity (holding it, so the id is never another's)."""
    known = _BODY_TYPES.get(id(raw))
    if known is None or known[0] is not raw:
        target = raw
        if get_origin(raw) is Annotated:
            metas = [m for m in raw.__metadata__ if isinstance(m, msgspec.Meta)]
            target = Annotated[(raw.__origin__, *metas)] if metas else raw.__origin__
        known = _BODY_TYPES[id(raw)] = (raw, target)
    return known[1]


async def _check_body(request: Request) -> None:
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    body_kind = getattr(field, "kwarg_definition", None)
    if field is None or (
        isinstance(body_kind, BodyKwarg) and body_kind.media_type != RequestEncodingType.JSON
    ):
        return
    body = await request.body()
    if not body:
        return
    try:
        value = await request.json()  # cached: the handler's parsing reuses it
    except RecursionError:
        raise _invalid("the JSON is nested too deeply", key="body", source="body") from None
    except SerializationException:
        return  # malformed: Litestar answers it as the 400 it already is
    if _NUL_ESCAPE in body and (path := _nul_at(value)) is not None:
        raise _invalid(f"a NUL character is not allowed - at `{path}`", key="data", source="body")
    try:
        msgspec.convert(value, _body_type(field.raw), strict=True)
    except msgspec.ValidationError as exc:
        raise _invalid(str(exc), key="data", source="body") from None


async def check_request(request: Request) -> None:
    """Litestar's `before_request`: refuse a hostile request with a 400 before its handler."""
    _check_text(request)
    await _check_body(request)
