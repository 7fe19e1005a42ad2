"""What fulfillment counts for the business: lines pickers find short, and what followed.

Counted in the transaction that records it (see `services.orders.metrics` on what a failed
transaction does to a count); registered in the app's registry by `shared.web.metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter

SHORTAGES = Counter(
    "omo_shortages",
    "Lines found short on the shelf, by what followed: substitute_proposed, "
    "no_substitute_wanted (the line said none), no_substitute_found",
    ["store", "outcome"],
    registry=None,
)
BUSINESS = (SHORTAGES,)
