"""The staffing search finds the smallest staffing on a monotone evening and plays none twice,
nor any whose answer an earlier run implies, one staffing or two at a time; it starts the
riders from what the picker runs rode, and an evening is cut only when it can no longer meet
the target, counting an order late once even its soonest door is past 30 minutes."""

from __future__ import annotations

import pytest

from infra.simulate.city import StoreSite
from infra.simulate.fast.catalog import catalog
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.evening import Evening, stamp
from infra.simulate.fast.run import play, players
from infra.simulate.fast.search import (
    BUSY,
    CUT,
    KEPT,
    P50,
    WITHIN_30,
    Target,
    busy_riders,
    find_staff,
    guesses,
    num,
    one_by_one,
    table,
)
from infra.simulate.scenario import PRESETS
from infra.simulate.shoppers import shopper
from infra.simulate.world import agent_rng


def monotone(pickers: int, riders: int, busy: float | None = None):
    """An evening that keeps the target from `pickers` and `riders` up; with `busy`, the share
    of its riders away on trips."""
    played: list[tuple[int, int]] = []

    def evening(sc):
        played.append((sc.pickers, sc.riders))
        ok = sc.pickers >= pickers and sc.riders >= riders
        figures = {WITHIN_30: 99.4 if ok else 97.0, KEPT: 100.0, P50: 15.0}
        figures["orders placed (paid)"] = 1
        if busy is not None:
            figures[BUSY] = busy
        return figures

    return one_by_one(evening), played


@pytest.mark.parametrize("need", [(23, 71), (30, 67), (38, 140), (1, 1), (9, 200)])
def test_the_search_finds_the_fewest_pickers_and_riders_without_replaying(need):
    evening, played = monotone(*need)
    search, pickers, riders = find_staff(PRESETS["hema-peak"], Target(), evening)
    assert (pickers, riders) == need
    assert len(played) == len(set(played))
    assert len(played) <= 20
    assert search.rounds == len(played)
    assert f"answer: {need[0]} pickers, {need[1]} riders" in table(search, pickers, riders)


@pytest.mark.parametrize("need", [(23, 71), (30, 67), (38, 140), (1, 1), (9, 200)])
def test_two_at_a_time_the_search_finds_the_same_staffing_in_fewer_rounds(need):
    one, _ = monotone(*need)
    two, played = monotone(*need)
    alone, *answer = find_staff(PRESETS["hema-peak"], Target(), one)
    paired, *paired_answer = find_staff(PRESETS["hema-peak"], Target(), two, workers=2)
    assert paired_answer == answer == list(need)
    assert len(played) == len(set(played))
    assert max(sum(1 for t in paired.tried if t.round == n) for n in range(1, 20)) == 2
    assert paired.rounds < alone.rounds


def test_the_riders_search_starts_from_the_riders_the_picker_runs_kept_busy():
    sc = PRESETS["hema-peak"]
    spare = 2 * guesses(sc)[1]
    evening, played = monotone(30, 106, busy=30.0)
    _, pickers, riders = find_staff(sc, Target(), evening)
    assert (pickers, riders) == (30, 106)
    first_of_riders = next(r for p, r in played if r != spare)
    assert first_of_riders == busy_riders({BUSY: 30.0}, spare) == -(-30 * spare // 100)
    assert busy_riders({BUSY: None}, spare) is None


def test_two_at_a_time_the_riders_search_first_tries_the_busy_riders_and_an_eighth_above():
    """The busy riders have erred both ways, but a run short of riders is the slowest of the
    search: the first round of two tries them and an eighth above, none below."""
    sc = PRESETS["hema-peak"]
    spare = 2 * guesses(sc)[1]
    busy = busy_riders({BUSY: 30.0}, spare)
    assert busy is not None
    evening, _ = monotone(30, busy + 3, busy=30.0)
    search, _, riders = find_staff(sc, Target(), evening, workers=2)
    assert riders == busy + 3
    first = min(t.round for t in search.tried if t.riders != spare)
    assert sorted(t.riders for t in search.tried if t.round == first) == [busy, busy + busy // 8]


def test_after_a_noisy_failure_the_ladder_up_starts_again_at_its_first_step():
    """A pass below a failure says the need is near that failure: the next rungs climb from
    it by the first step (an eighth of the estimate), not by the doubled steps that found it
    (nor does the climb after the first round start doubled); and the table names the pass
    taken as noise and the run that fails one rider fewer."""
    sc = PRESETS["hema-peak"]
    spare = 2 * guesses(sc)[1]
    busy = busy_riders({BUSY: 30.0}, spare)
    assert busy is not None
    step = busy // 8
    # the first round (busy, busy + step) fails; the next climbs by one step and two, passing
    # by luck at the first rung and failing at the second, below the need
    lucky = busy + 2 * step
    noisy = lucky + 2 * step
    need = noisy + step // 2

    def evening(sc):
        passes = sc.pickers >= 30 and (sc.riders >= need or sc.riders == lucky)
        figures = {WITHIN_30: 99.4 if passes else 97.0, KEPT: 100.0, P50: 15.0, BUSY: 30.0}
        return {**figures, "orders placed (paid)": 1}

    search, pickers, riders = find_staff(sc, Target(), one_by_one(evening), workers=2)
    assert (pickers, riders) == (30, need)
    climbed = [t.riders for t in search.tried if t.pickers == 30 and t.riders != spare]
    assert climbed[:4] == [busy, busy + step, lucky, noisy]  # one step on from the first round
    after = [t.riders for t in search.tried if t.pickers == 30 and noisy < t.riders != spare]
    assert after[:2] == [noisy + step, noisy + 3 * step]
    text = table(search, pickers, riders)
    assert "one rider fewer failed (its own run)" in text
    assert (
        f"taken as noise (one seed decides by an order or two there): 30 pickers with {lucky}"
        in text
    )


def test_a_run_is_doomed_only_once_the_target_is_out_of_reach():
    target = Target(within_30=99.0, kept=99.5)
    # 600 shoppers at most: 6 late still allows 99.0 %, 7 does not; 3 broken promises still
    # allow 99.5 %, 4 do not.
    assert not target.doomed(6, 3, 600)
    assert target.doomed(7, 0, 600)
    assert target.doomed(0, 4, 600)
    assert not target.doomed(0, 0, 0)
    assert target.ceilings(6, 3, 600) == (99.0, 99.5)


def test_a_cut_evening_would_have_failed_and_could_not_have_ended_better():
    """One picker and one rider for the smoke evening: played in full it fails; cut, it stops
    earlier, says when, and the best it could still have ended with is no worse than how the
    whole evening did end."""
    sc = PRESETS["smoke"].with_(pickers=1, riders=1)
    target = Target()
    whole, cut = play(sc), play(sc, cut_against=target)
    assert not target.met(whole.numbers)
    assert CUT not in whole.numbers
    assert not target.met(cut.numbers)
    assert cut.measured.ended < whole.measured.ended
    assert cut.numbers[CUT] == (cut.measured.ended - cut.measured.started).total_seconds() / 60
    assert num(cut.numbers[WITHIN_30]) >= num(whole.numbers[WITHIN_30])
    assert num(cut.numbers[KEPT]) >= num(whole.numbers[KEPT])
    assert min(target.margin(cut.numbers)) < 0


def test_an_evening_that_meets_the_target_is_played_to_its_end():
    sc = PRESETS["smoke"]
    lax = Target(within_30=50.0, kept=90.0)  # the smoke evening keeps 70 % and 100 %
    whole, judged = play(sc), play(sc, cut_against=lax)
    assert lax.met(whole.numbers)
    assert lax.met(judged.numbers)
    assert judged.measured.ended == whole.measured.ended
    timed = ("wall s", "dispatcher CPU s a store-hour")  # the machine's, not the evening's
    assert {k: v for k, v in judged.numbers.items() if k not in timed} == {
        k: v for k, v in whole.numbers.items() if k not in timed
    }


def test_an_order_still_at_the_store_is_late_once_its_soonest_door_is_past_30_minutes():
    """Paid at 0 and not yet packed: it counts as late from the moment even a rider leaving
    the store now, riding straight to the door, would hand it over after 30 minutes, though
    30 minutes have not gone by; and that alone dooms an evening of one shopper."""
    sc = PRESETS["smoke"]
    items = catalog(sc)
    store = Evening(sc, items, Clock(), StoreSite())
    who = shopper(sc, items, [store.site.at], "mem_1", agent_rng(sc.seed, "mem_1"))
    store.place(0.0, who, stamp(40 * 60))
    (order,) = store.orders.values()
    soonest = store.earliest_door(0.0, order)  # seconds from now to the soonest hand-over
    assert soonest > sc.handover_seconds
    last_chance = 30 * 60 - soonest
    assert store.certain_misses(last_chance - 1) == (0, 0)
    assert store.certain_misses(last_chance + 1) == (1, 0)
    assert order.delivery.status == "waiting"
    assert Target().doomed(*store.certain_misses(last_chance + 1), 1)


def test_staffings_played_two_at_once_get_the_verdicts_they_get_one_by_one():
    """The smoke evening's search, two processes at a time and in turn: the same answer, and
    every staffing both tried judged alike (each run depends only on its scenario)."""
    sc, target = PRESETS["smoke"], Target()
    searches = []
    for workers in (1, 2):
        with players(target, workers) as play_all:
            searches.append(
                find_staff(
                    sc,
                    target,
                    lambda scs, play_all=play_all: [p.numbers for p in play_all(scs)],
                    guess=(3, 8),
                    workers=workers,
                )
            )
    (alone, *answer), (paired, *paired_answer) = searches
    assert paired_answer == answer
    verdicts = {(t.pickers, t.riders): t.met for t in alone.tried}
    both = [(t.pickers, t.riders) for t in paired.tried if (t.pickers, t.riders) in verdicts]
    assert both
    assert all(
        verdicts[s] == t.met for s in both for t in paired.tried if (t.pickers, t.riders) == s
    )
    assert paired.rounds < alone.rounds


@pytest.mark.parametrize("workers", [1, 2])
def test_an_answer_only_implied_by_a_pass_below_a_noisy_failure_is_played_before_it_is_given(
    workers,
):
    """One staffing fails by noise above the need: its failure wins below it, and a pass found
    below it implies passes above it that no run showed. The answer given is always a staffing
    whose own evening was played and met the target, and the table reports that evening."""
    need = (30, 67)
    for noisy in range(60, 80):
        played: list[tuple[int, int]] = []

        def evening(sc, noisy=noisy, played=played):
            played.append((sc.pickers, sc.riders))
            ok = sc.pickers >= need[0] and sc.riders >= need[1] and sc.riders != noisy
            figures = {WITHIN_30: 99.4 if ok else 97.0, KEPT: 100.0, P50: 15.0}
            return {**figures, "orders placed (paid)": 1}

        search, pickers, riders = find_staff(
            PRESETS["hema-peak"], Target(), one_by_one(evening), workers=workers
        )
        assert (pickers, riders) in played, noisy
        assert riders != noisy and riders >= need[1]
        assert f"answer: {pickers} pickers, {riders} riders" in table(search, pickers, riders)
