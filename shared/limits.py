"""The largest values PostgreSQL's integer columns hold: an input bound for a column says so on
its type, so that a number too big is a 400 naming the field rather than a 500 from the driver."""

from __future__ import annotations

INT_MAX = 2**31 - 1  # `int`
BIGINT_MAX = 2**63 - 1  # `bigint`
