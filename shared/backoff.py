"""Waiting between tries: exponential, with jitter, so that the many clients that lost the same
thing (a database that restarted, a provider that failed) do not all come back at once."""

from __future__ import annotations

import random


def backoff_seconds(attempts: int, *, first_s: float = 0.5, cap_s: float = 300.0) -> float:
    """After the 1st, 2nd, 3rd ... failure: `first_s`, twice that, four times ... capped at
    `cap_s`, each within 20 % either way."""
    return min(first_s * 2 ** (max(attempts, 1) - 1), cap_s) * random.uniform(0.8, 1.2)
