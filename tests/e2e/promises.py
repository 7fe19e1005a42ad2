"""How many broken promises a short evening on the full services may show and still come from
a store that keeps its word at the agreed level.

The full services run on the wall clock sped up (x20, x30), so a run is one draw among many:
the same seed on a machine busy with something else batches and dispatches a little
differently. A store that keeps exactly 99.5 % of its promises (issue 12's level) breaks none
in ten orders only 95 % of the time, so "every one kept" over a dozen orders would fail one CI
run in twenty for a store that meets the target. The tolerance is the binomial one instead:
the most late orders such a store shows in all but 1 % of evenings of that size (none of one or two
orders, one of 3 to 30, two of 31 to 87). The fast mode, deterministic and run over many evenings,
asserts the level itself (`test_simulate_fast`).
"""

from __future__ import annotations

import csv
from datetime import datetime
from math import comb
from pathlib import Path

KEPT_SHARE = 0.995  # the share of promises a store keeps (issue 12)
FALSE_ALARM = 0.01  # how often a store keeping exactly KEPT_SHARE may fail the check


def misses_allowed(delivered: int) -> int:
    """The fewest broken promises k with P(more than k broken) <= FALSE_ALARM, for `delivered`
    orders each kept with probability KEPT_SHARE."""
    miss, at_most = 1 - KEPT_SHARE, 0.0
    for k in range(delivered + 1):
        at_most += comb(delivered, k) * miss**k * KEPT_SHARE ** (delivered - k)
        if 1 - at_most <= FALSE_ALARM:
            return k
    return delivered


def delivered_rows(orders_csv: Path) -> list[dict[str, str]]:
    """The delivered orders of a report's orders.csv."""
    with orders_csv.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["delivered"]]


def assert_promises_kept(orders_csvs: list[Path], stderr: str) -> None:
    """Every delivered order of the reports at the door by its promise, within
    `misses_allowed`; a failure shows the late orders' stages and the end of the run's log.
    Times are ISO 8601 with the store's offset, so they are compared as instants."""
    delivered = [r for path in orders_csvs for r in delivered_rows(path)]
    late = [
        r
        for r in delivered
        if datetime.fromisoformat(r["delivered"]) > datetime.fromisoformat(r["promise_at"])
    ]
    assert len(late) <= misses_allowed(len(delivered)), (late, stderr[-3000:])
