"""`omo simulate --find-staff`: the fewest pickers and riders that keep the target, by fast runs.

Pickers and riders bind separately, so each is searched on its own: pickers with riders to
spare, then riders with the pickers found. Each search brackets (from an estimate, doubling the
step until a run passes above a run that fails) and then bisects. What a run taught is kept:
a staffing that passed makes every larger one pass, one that failed every smaller one fail
(more people never make the evening worse), so no staffing is played twice and none whose
answer is already known.

A run that can no longer meet the target is cut (`run.play`): as soon as more orders are past
30 minutes, or more promises broken, than the target allows even if every shopper still to come
is paid, on time and delivered. Its verdict is the one the whole evening would have given, and
the table says at which store minute it stopped and the best it could still have ended with.
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
CUT = "cut at store minute"  # a run stopped once it could no longer meet the target
BUSY = "rider utilisation while orders arrive (%)"


@dataclass(frozen=True)
class Target:
    within_30: float = 99.0  # % of paid orders at the door within 30 minutes of payment
    kept: float = 99.5  # % of delivered orders by their promise

    def margin(self, figures: dict) -> tuple[float, float]:
        return num(figures[WITHIN_30]) - self.within_30, num(figures[KEPT]) - self.kept

    def met(self, figures: dict) -> bool:
        return CUT not in figures and min(self.margin(figures)) >= 0

    def ceilings(self, late_30: int, broken: int, most: int) -> tuple[float, float]:
        """The best figures an evening can still end with when `late_30` orders are already
        past 30 minutes, `broken` promises already broken, and at most `most` orders will be
        paid: every order yet to come on time and delivered. Each share only grows with its
        denominator, so `most` bounds it; computed as `measure.figures` computes it, so the
        comparison with the target is the one the finished run would make."""
        return 100 * (most - late_30) / most, 100 * (most - broken) / most

    def doomed(self, late_30: int, broken: int, most: int) -> bool:
        """Certain to miss the target, whatever the rest of the evening does."""
        if most <= 0:
            return False
        within_30, kept = self.ceilings(late_30, broken, most)
        return within_30 < self.within_30 or kept < self.kept


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
        if passes(n):
            step = max(1, n // 4)
            high, low = n, n - step
            while low >= 1 and passes(low):
                high, step = low, step * 2
                low = high - step
            low = max(0, low)
        else:
            # Upwards in smaller steps: a failing run is cut short (`run.play`), a passing one
            # plays the whole evening, so overshooting costs more than one more step.
            step = max(1, n // 8)
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


def busy_riders(figures: dict, riders: int) -> int | None:
    """The riders an evening kept away on trips, on average while orders arrived: its orders
    an hour times its trip time over the orders a trip carried, as that evening rode them
    (None when the figure is missing). The riders' search starts here: fewer riders ride
    fuller trips, but the ups and downs of the demand around its average usually need more."""
    busy = figures.get(BUSY)
    return max(1, math.ceil(busy * riders / 100)) if isinstance(busy, int | float) else None


def find_staff(
    sc: Scenario,
    target: Target,
    play: Callable[[Scenario], dict],
    guess: tuple[int, int] | None = None,
    most: int | None = None,
) -> tuple[Search, int, int]:
    """The fewest pickers (riders to spare), then the fewest riders at those pickers; from
    `guess` (pickers, riders), else pickers from what the demand suggests (`guesses`) and
    riders from the riders the answer's pickers kept busy with riders to spare
    (`busy_riders`); with `most`, no more than `most` times the guess of either is tried.

    Noise: each staffing is played once, on one seed, and its verdict is taken as it came and
    extended by monotonicity (`Search.passes`). A failure that is noise (a pass above and
    below it) makes every smaller staffing count as failing, which can only raise the answer;
    the answer is the smallest staffing that passed with one fewer failing, run or implied."""
    search = Search(sc, target, play)
    p0, r0 = guess or guesses(sc)
    spare = 2 * r0
    pickers = search.smallest(
        lambda p: search.passes(p, spare), p0, None if most is None else most * p0
    )
    if guess is None:
        spared = [t for t in search.tried if (t.pickers, t.riders) == (pickers, spare)]
        r0 = (busy_riders(spared[0].figures, spare) if spared else None) or r0
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
        if CUT in f:  # the best the evening could still have ended with
            shares = f"at most {w30:.1f} % | at most {kept:.1f} % | – | –"
            meets = f"no: cut at store minute {num(f[CUT]):.0f}"
        else:
            paid = f["orders placed (paid)"]
            shares = f"{w30:.1f} % | {kept:.1f} % | {num(f[P50]):.1f} min | {paid}"
            meets = "yes" if t.met else "no"
        rows.append(f"| {i} | {t.pickers} | {t.riders} | {shares} | {meets} | {t.wall_s:.0f} |")
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
