"""What delivery counts for the business: orders at the door, by whether the store kept its
word. The dispatcher's own plans are counted by the dispatcher (`dispatch.metrics`).

Counted in the transaction that records it (see `services.orders.metrics` on what a failed
transaction does to a count); registered in the app's registry by `shared.web.metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter

HANDOVERS = Counter(
    "omo_handovers",
    "Orders at the door, by outcome: on_time (by the promise), late, failed",
    ["store", "outcome"],
    registry=None,
)
BUSINESS = (HANDOVERS,)
