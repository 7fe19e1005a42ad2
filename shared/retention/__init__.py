"""Retention: every table that grows with traffic is kept to a size, by the services themselves.

Each service runs its `Trim`s on a timer (`OMO_TRIM_EVERY_S`, and once at start): the kernel's
(the event log and the handled ids, `shared/bus/retention.py`) and its own (rider pings and
hand-over code failures in delivery, scans and PIN failures in fulfillment). How long each kind
is kept is a setting (`OMO_RETAIN_<KIND>_DAYS`; 0 keeps it for ever). `omo events trim` runs
every trim once, now; `omo events stats` shows what is kept.

Two ways to trim, chosen per table:
- batched DELETEs (`in_batches`): at most `OMO_TRIM_BATCH` rows a transaction, oldest first,
  each batch a short transaction of its own, so no lock is held for long and requests get
  connections in between. For tables whose rows must be judged one by one (an event some
  consumer has yet to handle stays) or that are small;
- daily partitions (`partitions.py`): rider pings, append-only and by far the largest, are
  partitioned by day and a day past its retention is dropped whole: no row-by-row delete, no
  vacuum, no index on time to maintain on the hottest insert path.

A trim takes a transaction-scoped advisory lock of its own before each batch, so two instances
of a service never trim the same table at once (the second skips it until its next turn).
"""

from shared.retention.runner import Trim, in_batches, keep_trimming, trim_all

__all__ = ["Trim", "in_batches", "keep_trimming", "trim_all"]
