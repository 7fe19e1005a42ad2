"""The event bus on PostgreSQL: a transactional outbox with durable, competing consumers.

- `publish(conn, event, occurred_at=...)` writes the event in the caller's transaction: no change
  without its event, no event without its change.
- Each named `Consumer` gets every event of its topics at least once, in order per key; its
  handler runs in a transaction that also records the event id as handled, so a redelivery
  changes nothing. Instances of one consumer share the work with `FOR UPDATE SKIP LOCKED`.
- LISTEN/NOTIFY wakes consumers at commit; a poll covers lost notifications and due retries.
- A handler that talks to the outside world between its writes (a payment provider) belongs to a
  consumer with `own_transactions`: the bus holds its claim, it runs short transactions of its
  own, and is idempotent by itself (a state row, the provider's idempotency keys).
- A handler that fails is retried with exponential backoff; after `max_attempts` the delivery is
  parked in `kernel.dead_letters` (`omo events dead`, `omo events retry`).
"""

from shared.bus.admin import dead_letters, lag, retry_dead, subscribe
from shared.bus.consumer import Consumer, Handler, PoolHandler
from shared.bus.publish import publish
from shared.bus.stream import Published, events_after, last_issued
from shared.bus.worker import BusRunner, drain

__all__ = [
    "BusRunner",
    "Consumer",
    "Handler",
    "PoolHandler",
    "Published",
    "dead_letters",
    "drain",
    "events_after",
    "lag",
    "last_issued",
    "publish",
    "retry_dead",
    "subscribe",
]
