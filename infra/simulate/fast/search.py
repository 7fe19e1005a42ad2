"""`omo simulate --find-staff`: the fewest pickers and riders that keep the target, by fast runs.

Pickers and riders bind separately, so each is searched on its own: pickers with riders to
spare, then riders with the pickers found. Each search brackets (from an estimate, doubling the
step until a run passes above a run that fails) and then narrows the bracket. What a run taught
is kept: a staffing that passed makes every larger one pass, one that failed every smaller one
fail (more people never make the evening worse), so no staffing is played twice and none whose
answer is already known.

Rounds: a run is a pure function of the scenario and its staffing, so a search plays `workers`
staffings at once (`Search.workers`, one process each): the next points of the bracket's ladder,
or points splitting the bracket into `workers + 1` equal parts. Most of a run's wall time is
OR-Tools searching for as long as its wall-clock limit allows, so two runs at once take about
the wall time of one; a round costs its slowest run.

A run that can no longer meet the target is cut (`run.play`): as soon as more orders are
certain to reach the door over 30 minutes after payment, or more promises are broken, than the
target allows even if every shopper still to come is paid, on time and delivered. Its verdict
is the one the whole evening would have given, and the table says at which store minute it
stopped and the best it could still have ended with.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
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


Play = Callable[[Sequence[Scenario]], list[dict]]


def one_by_one(play: Callable[[Scenario], dict]) -> Play:
    """Staffings played in turn, in this process."""
    return lambda scenarios: [play(sc) for sc in scenarios]


@dataclass
class Tried:
    pickers: int
    riders: int
    figures: dict
    met: bool
    wall_s: float
    round: int = 1  # the runs of a round were played at once

    @property
    def within_30(self) -> float:
        return num(self.figures[WITHIN_30])


@dataclass
class Search:
    """The runs made so far, and what they imply."""

    sc: Scenario
    target: Target
    play: Play
    workers: int = 1  # staffings `play` is given at once
    tried: list[Tried] = field(default_factory=list)
    rounds: int = 0

    def known(self, pickers: int, riders: int) -> bool | None:
        """The verdict of a staffing, run or implied by a run that dominates it; a failure
        wins over a pass (see `find_staff` on noise): a staffing below a failure fails, and a
        pass below a failure is noise that implies nothing; None when nothing says."""
        if self.failed_above(pickers, riders):
            return False
        if any(
            t.met
            and t.pickers <= pickers
            and t.riders <= riders
            and not self.failed_above(t.pickers, t.riders)
            for t in self.tried
        ):
            return True
        return None

    def failed_above(self, pickers: int, riders: int) -> list[Tried]:
        """The failed runs with as many pickers and riders as these or more: each says this
        staffing fails (more people never make the evening worse)."""
        return [t for t in self.tried if not t.met and t.pickers >= pickers and t.riders >= riders]

    def judge(self, staffings: list[tuple[int, int]]) -> list[bool]:
        """The verdicts of `staffings`, playing those not yet known in one round."""
        todo = list(dict.fromkeys(s for s in staffings if self.known(*s) is None))
        if todo:
            self._round(todo)
        return [bool(self.known(*s)) for s in staffings]

    def confirm(self, pickers: int, riders: int) -> bool:
        """Whether this very staffing's own run met the target, playing it when its pass was
        only implied: a pass below a failure (noise) implies passes above that failure that
        no run has shown, and the answer is reported from its own evening."""
        if not any((t.pickers, t.riders) == (pickers, riders) for t in self.tried):
            self._round([(pickers, riders)])
        return next(t.met for t in self.tried if (t.pickers, t.riders) == (pickers, riders))

    def _round(self, todo: list[tuple[int, int]]) -> None:
        self.rounds += 1
        wall = time.monotonic()
        played = self.play([self.sc.with_(pickers=p, riders=r) for p, r in todo])
        round_s = time.monotonic() - wall
        for (p, r), figures in zip(todo, played, strict=True):
            own = figures.get("wall s")
            wall_s = own if isinstance(own, int | float) else round_s
            met = self.target.met(figures)
            self.tried.append(Tried(p, r, figures, met, wall_s, self.rounds))

    def overruled(self) -> int:
        """Runs that met the target but count as failing, a failure above each (noise)."""
        return sum(1 for t in self.tried if t.met and self.known(t.pickers, t.riders) is False)

    def smallest(
        self,
        judge: Callable[[list[int]], list[bool]],
        guess: int,
        most: int | None = None,
        lean: int = -1,
    ) -> int:
        """The smallest n >= 1 that passes, `judge` playing `workers` candidates a round:
        bracketing from `guess`, then narrowing the bracket; `most` when none up to it passes
        (a city's store whose neighbour fails whatever it does). With two or more at once, the
        first round tries `guess` and the next rungs below it (`lean` -1: the estimate errs
        high, or a run below it is cheap) or above it (+1)."""
        ceiling = sys.maxsize if most is None else most
        n = max(1, min(guess, ceiling))
        k = max(1, self.workers)
        # Upwards in smaller steps: a failing run is cut short, a passing one plays the whole
        # evening, so overshooting costs more than one more rung.
        first_up = max(1, n // 8)
        ladder = {True: first_up, False: max(1, n // 4)}
        low, high = 0, None  # the largest n known to fail, the smallest above it to pass

        def rungs(start: int, up: bool, count: int) -> list[int]:
            out, x = [], start
            for _ in range(count):
                x = min(x + ladder[up], ceiling) if up else max(1, x - ladder[up])
                ladder[up] *= 2
                if x in out or x == start:
                    break
                out.append(x)
            return out

        probes = [n, *rungs(n, lean > 0, k - 1)]
        # The first round spans the estimate's doubt; the ladder from it starts at its first
        # steps again (doubled, it left brackets a round wider: hema-peak's riders 75 to 91).
        ladder = {True: first_up, False: max(1, n // 4)}
        while True:
            overruled = self.overruled()
            for x, ok in zip(probes, judge(probes), strict=True):
                if ok:
                    high = x if high is None else min(high, x)
                else:
                    low = max(low, x)
            if high is not None and high <= low:
                high = None  # a pass below a failure: noise, and the failure wins
            if self.overruled() > overruled:
                # A run that passed now counts as failing: the need is near the failure
                # above it, not as far off as the doubled rungs were looking, so the ladder
                # up starts again at its first step.
                ladder[True] = first_up
            if high is None:
                if low >= ceiling:
                    return ceiling
                probes = rungs(low, True, k)
            elif high - low <= 1:
                return high
            elif low == 0:
                probes = rungs(high, False, k)
            else:
                probes = split(low, high, k)


def split(low: int, high: int, k: int) -> list[int]:
    """Up to `k` points strictly between `low` and `high` (at least two apart), cutting the
    bracket into `k + 1` equal parts."""
    return sorted({low + round((high - low) * i / (k + 1)) for i in range(1, k + 1)})


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
    play: Play,
    guess: tuple[int, int] | None = None,
    most: int | None = None,
    workers: int = 1,
) -> tuple[Search, int, int]:
    """The fewest pickers (riders to spare), then the fewest riders at those pickers, `play`
    given up to `workers` staffings at once; from `guess` (pickers, riders), else pickers from
    what the demand suggests (`guesses`, which has erred high: a round also tries the rung
    below) and riders from the riders the answer's pickers kept busy with riders to spare
    (`busy_riders`, which has erred both ways: 72 for 66 at `hema-peak`, 20 for 22 at 150 an
    hour, then 68 for 84 to 106 at `hema-peak` with the repairing dispatcher); two at a time,
    its first round tries it and an eighth above, not an eighth below: a run short of riders
    is the slowest of a search (the dispatcher searches on while orders wait; 161 s at 60
    riders where runs near the answer took about 60), and a round costs its slowest run.
    With `most`, no more than `most` times the guess of either is tried.

    Noise: each staffing is played once, on one seed, and its verdict is taken as it came and
    extended by monotonicity (`Search.known`). A failure that is noise (a pass below it) makes
    every smaller staffing count as failing and that pass imply nothing, which can only raise
    the answer; the answer is the smallest staffing whose own run passed with one fewer
    failing, run or implied (`Search.confirm` plays it if only implied). At `hema-peak`'s
    edge the noise is real: at 30 pickers, 84 riders kept 99.1 % and 100 to 105 at most 99.0 %
    (the floor binds there, not the riders)."""
    search = Search(sc, target, play, workers)
    p0, r0 = guess or guesses(sc)
    spare = 2 * r0
    pickers = search.smallest(
        lambda ps: search.judge([(p, spare) for p in ps]),
        p0,
        None if most is None else most * p0,
    )
    if guess is None:
        spared = [t for t in search.tried if (t.pickers, t.riders) == (pickers, spare)]
        r0 = (busy_riders(spared[0].figures, spare) if spared else None) or r0

    def at_pickers(rs: list[int]) -> list[bool]:
        return search.judge([(pickers, r) for r in rs])

    ceiling = None if most is None else most * r0
    riders = search.smallest(at_pickers, r0, ceiling, lean=1 if guess is None else -1)
    while not search.confirm(pickers, riders) and (ceiling is None or riders < ceiling):
        riders = search.smallest(at_pickers, riders + 1, ceiling, lean=1)
    return search, pickers, riders


def table(search: Search, pickers: int, riders: int) -> str:
    """Every staffing tried, in the order tried, and the answer with its margin."""
    rows = [
        "| # | pickers | riders | at the door within 30 min | promises kept | p50 paid to door |"
        " orders | meets | round | wall s |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
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
        rows.append(
            f"| {i} | {t.pickers} | {t.riders} | {shares} | {meets} | {t.round} | {t.wall_s:.0f} |"
        )
    answer = next(t for t in search.tried if (t.pickers, t.riders) == (pickers, riders))
    m30, mkept = search.target.margin(answer.figures)
    w30 = answer.within_30
    rows.append("")
    rows.append(
        f"answer: {pickers} pickers, {riders} riders: {w30:.1f} % at the door within 30 min"
        f" ({m30:+.1f} points over {search.target.within_30:g} %), "
        f"{num(answer.figures[KEPT]):.1f} % of promises kept ({mkept:+.1f} over "
        f"{search.target.kept:g} %); one picker fewer {fewer(search, pickers - 1, riders)},"
        f" one rider fewer {fewer(search, pickers, riders - 1)}.{noise(search, answer)}"
        f" {len(search.tried)} runs in {search.rounds} rounds of up to"
        f" {search.workers} at once, {sum(t.wall_s for t in search.tried):.0f} s of runs."
    )
    return "\n".join(rows)


def fewer(search: Search, pickers: int, riders: int) -> str:
    """Whether this staffing (one fewer than the answer) fails, and which run says so: its
    own, or the nearest failure with as many of both or more (more people never make the
    evening worse)."""
    if pickers < 1 or riders < 1:
        return "is nobody"
    above = search.failed_above(pickers, riders)
    if not above:
        return "was not shown to fail"
    t = min(above, key=lambda t: (t.pickers - pickers) + (t.riders - riders))
    if (t.pickers, t.riders) == (pickers, riders):
        return "failed (its own run)"
    return f"fails (implied: {t.pickers} pickers with {t.riders} riders failed)"


def noise(search: Search, answer: Tried) -> str:
    """The runs that passed with no more of either than the answer and a failure with as many
    of both or more: where one seed's verdict is noise, and the failure won (`Search.known`)."""
    below = [
        t
        for t in search.tried
        if t.met
        and t is not answer
        and t.pickers <= answer.pickers
        and t.riders <= answer.riders
        and search.failed_above(t.pickers, t.riders)
    ]
    if not below:
        return ""
    runs = ", ".join(f"{t.pickers} pickers with {t.riders} riders" for t in below)
    return (
        f" Passed with fewer, each below a failure, so taken as noise (one seed decides by an"
        f" order or two there): {runs}."
    )
