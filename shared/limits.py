"""Input bounds. The largest values PostgreSQL's integer columns hold: an input bound for a
column says so on its type, so that a number too big is a 400 naming the field rather than a
500 from the driver. The largest request body a service reads: one larger is a 413 problem
(`request-entity-too-large`), documented on every operation that takes a body."""

from __future__ import annotations

INT_MAX = 2**31 - 1  # `int`
BIGINT_MAX = 2**63 - 1  # `bigint`
MAX_BODY_BYTES = 10_000_000  # Litestar's `request_max_body_size`, stated so the document says it
