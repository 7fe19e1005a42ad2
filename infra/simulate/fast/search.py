"""`omo simulate --find-staff`: the fewest pickers and riders that keep the target, by fast runs.

Pickers and riders bind separately, so each is searched on its own: pickers with riders to
spare, then riders with the pickers found. Each search brackets (from an estimate, doubling the
step until a run passes above a run that fails) and then bisects. What a run taught is kept:
a staffing that passed makes every larger one pass, one that failed every smaller one fail
(more people never make the evening worse), so no staffing is played twice and none whose
answer is already known.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.simulate.manager import floor_pace
from infra.simulate.scenario import Scenario

WITHIN_30 = "at the door within 30 min of payment (% of paid)"
KEPT = "delivered by the promise (% of delivered)"
P50 = "paid to door p50 (min)"


@dataclass(frozen=True)
class Target:
    within_30: float = 99.0  # % of paid orders at the door within 30 minutes of payment
    kept: float = 99.5  # % of delivered orders by their promise

    def margin(self, figures: dict) -> tuple[float, float]:
        return num(figures[WITHIN_30]) - self.within_30, num(figures[KEPT]) - self.kept

    def met(self, figures: dict) -> bool:
        return min(self.margin(figures)) >= 0


def num(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


@dataclass
class Tried:
    pickers: int
    riders: int
    figures: dict
    met: bool
    wall_s: float

    @property
    def within_30(self) -> float:
        return num(self.figures[WITHIN_30])


@dataclass
class Search:
    """The runs made so far, and what they imply."""

    sc: Scenario
    target: Target
    play: Callable[[Scenario], dict]
    tried: list[Tried] = field(default_factory=list)

    def passes(self, pickers: int, riders: int) -> bool:
        for t in self.tried:  # known, or implied by a run that dominates it
            if t.met and t.pickers <= pickers and t.riders <= riders:
                return True
            if not t.met and t.pickers >= pickers and t.riders >= riders:
                return False
        wall = time.monotonic()
        figures = self.play(self.sc.with_(pickers=pickers, riders=riders))
        met = self.target.met(figures)
        self.tried.append(Tried(pickers, riders, figures, met, time.monotonic() - wall))
        return met

    def smallest(self, passes: Callable[[int], bool], guess: int, most: int | None = None) -> int:
        """The smallest n >= 1 with `passes(n)`, by bracketing from `guess` then bisecting;
        `most` when none up to it passes (a city's store whose neighbour fails whatever it
        does)."""
        ceiling = sys.maxsize if most is None else most
        n = max(1, min(guess, ceiling))
        step = max(1, n // 4)
        if passes(n):
            high, low = n, n - step
            while low >= 1 and passes(low):
                high, step = low, step * 2
                low = high - step
            low = max(0, low)
        else:
            low, high = n, n + step
            while not passes(high):
                if high >= ceiling:
                    return high
                low, step = high, step * 2
                high = min(low + step, ceiling)
        while high - low > 1:
            mid = (low + high) // 2
            if passes(mid):
                high = mid
            else:
                low = mid
        return high


def guesses(sc: Scenario) -> tuple[int, int]:
    """Where to start: the pickers the labour standard says the demand needs, and riders for
    one round trip of a typical door (2 km out at the store's pace, a hand-over) per order."""
    pickers = math.ceil(sc.orders_per_hour / floor_pace(1, sc.seconds_per_item, sc.pack_seconds))
    trip_s = 2 * 2000 * sc.detour / (sc.speed_kmh / 3.6) + sc.handover_seconds
    riders = math.ceil(sc.orders_per_hour * trip_s / 3600)
    return pickers, riders


def find_staff(
    sc: Scenario,
    target: Target,
    play: Callable[[Scenario], dict],
    guess: tuple[int, int] | None = None,
    most: int | None = None,
) -> tuple[Search, int, int]:
    """The fewest pickers (riders to spare), then the fewest riders at those pickers; from
    `guess` (pickers, riders), else from what the demand suggests (`guesses`); with `most`,
    no more than `most` times the guess of either is tried."""
    search = Search(sc, target, play)
    p0, r0 = guess or guesses(sc)
    spare = 2 * r0
    pickers = search.smallest(
        lambda p: search.passes(p, spare), p0, None if most is None else most * p0
    )
    riders = search.smallest(
        lambda r: search.passes(pickers, r), r0, None if most is None else most * r0
    )
    return search, pickers, riders


def table(search: Search, pickers: int, riders: int) -> str:
    """Every staffing tried, in the order tried, and the answer with its margin."""
    rows = [
        "| # | pickers | riders | at the door within 30 min | promises kept | p50 paid to door |"
        " orders | meets | wall s |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for i, t in enumerate(search.tried, start=1):
        f = t.figures
        w30, kept = t.within_30, num(f[KEPT])
        rows.append(
            f"| {i} | {t.pickers} | {t.riders} | {w30:.1f} % | {kept:.1f} % |"
            f" {num(f[P50]):.1f} min | {f['orders placed (paid)']} | {'yes' if t.met else 'no'} |"
            f" {t.wall_s:.0f} |"
        )
    answer = next(t for t in search.tried if (t.pickers, t.riders) == (pickers, riders))
    m30, mkept = search.target.margin(answer.figures)
    w30 = answer.within_30
    rows.append("")
    rows.append(
        f"answer: {pickers} pickers, {riders} riders: {w30:.1f} % at the door within 30 min"
        f" ({m30:+.1f} points over {search.target.within_30:g} %), "
        f"{num(answer.figures[KEPT]):.1f} % of promises kept ({mkept:+.1f} over "
        f"{search.target.kept:g} %); one picker fewer, or one rider fewer, fails (run or implied "
        f"by a run above). {len(search.tried)} runs, {sum(t.wall_s for t in search.tried):.0f} s."
    )
    return "\n".join(rows)
