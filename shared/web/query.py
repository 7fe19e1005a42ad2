"""Query parameter types. Litestar does not apply msgspec.Meta constraints to query parameters;
QueryParameter does, and documents the bounds in OpenAPI."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

LatitudeQuery = Annotated[float, QueryParameter(ge=-90, le=90, description="WGS-84 degrees")]
LongitudeQuery = Annotated[float, QueryParameter(ge=-180, le=180, description="WGS-84 degrees")]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=100, description="at most this many")]
# The one cursor of every list (shared.paging).
CursorQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=512, description="`next_cursor` of the previous page; none for the first page"
    ),
]
