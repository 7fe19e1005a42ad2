"""What the orders service counts for the business, beside the requests every service counts.

Counted where it happens, in the transaction that makes it so: a transaction that fails after
the count (rare: the caller then gets a 5xx or a 409) counts once more than happened. Counters
live for the process and Prometheus sums the instances; they are registered in each app's
registry (`shared.web.metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter

ORDERS_PLACED = Counter(
    "omo_orders_placed",
    "Orders paid and handed to the store, by channel (app, till, counter) and fulfilment",
    ["store", "channel", "fulfilment"],
    registry=None,
)
PROMISES = Counter(
    "omo_checkout_promises",
    "Promises asked for when an order is placed: in_30_minutes, later (riders or the floor "
    "short), refused (no promise: the order is not taken), outside_zone",
    ["store", "outcome"],
    registry=None,
)
SUBSTITUTIONS = Counter(
    "omo_substitutions_decided",
    "Substitutes decided, approved or not, by the shopper or by the line's preference",
    ["store", "approved", "by"],
    registry=None,
)
BUSINESS = (ORDERS_PLACED, PROMISES, SUBSTITUTIONS)
