"""The staffing search finds the smallest staffing on a monotone evening and plays none twice,
nor any whose answer an earlier run implies."""

from __future__ import annotations

from infra.simulate.fast.search import KEPT, P50, WITHIN_30, Target, find_staff, table
from infra.simulate.scenario import PRESETS


def test_the_search_finds_the_fewest_pickers_and_riders_without_replaying():
    played: list[tuple[int, int]] = []

    def play(sc):
        played.append((sc.pickers, sc.riders))
        ok = sc.pickers >= 23 and sc.riders >= 71
        return {WITHIN_30: 99.4 if ok else 97.0, KEPT: 100.0, P50: 15.0, "orders placed (paid)": 1}

    search, pickers, riders = find_staff(PRESETS["hema-peak"], Target(), play)
    assert (pickers, riders) == (23, 71)
    assert len(played) == len(set(played))
    assert len(played) <= 16
    assert "answer: 23 pickers, 71 riders" in table(search, pickers, riders)
