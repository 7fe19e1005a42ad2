"""The city's staffing search: each store's fewest staff with the others held, judged on every
store (a store does not pass by sending its shoppers to a neighbour that then fails)."""

from __future__ import annotations

from infra.simulate.city import KOBE, City
from infra.simulate.fast.city import CITY
from infra.simulate.fast.city_search import find_city_staff, table
from infra.simulate.fast.search import KEPT, P50, WITHIN_30, Target
from infra.simulate.scenario import PRESETS

SC = PRESETS["city"]


def evening(need: dict[str, int]):
    """A monotone city: a store keeps the target with 4 pickers and `need` riders, one more for
    each neighbour short of 20 riders (whose shoppers come over)."""
    played: list[tuple] = []

    def play(_sc, city: City) -> dict[str, dict[str, object]]:
        staff = {s.site.store_id: (s.pickers, s.riders) for s in city.stores}
        played.append(tuple(sorted(staff.items())))
        columns: dict[str, dict[str, object]] = {}
        for store_id, (pickers, riders) in staff.items():
            short = sum(1 for other, (_, r) in staff.items() if other != store_id and r < 20)
            ok = pickers >= 4 and riders >= need[store_id] + short
            columns[store_id] = {
                WITHIN_30: 99.5 if ok else 96.0,
                KEPT: 100.0,
                P50: 15.0,
                "orders placed (paid)": 80,
            }
        columns[CITY] = {}
        return columns

    return play, played


def passes(play, city: City) -> bool:
    columns = play(SC, city)
    return all(Target().met(c) for name, c in columns.items() if name != CITY)


def test_each_store_gets_its_fewest_staff_that_keep_every_store_on_target():
    ids = [s.site.store_id for s in KOBE.stores]
    play, played = evening(dict.fromkeys(ids, 10))
    done, city = find_city_staff(SC, KOBE, Target(), play)
    assert len(played) == len(set(played))  # no staffing of the city played twice

    assert {s.site.store_id: (s.pickers, s.riders) for s in city.stores} == {
        ids[0]: (4, 10),  # searched while the others still had 30
        ids[1]: (4, 20),  # fewer would send shoppers over to the first, which then fails
        ids[2]: (4, 20),
    }
    assert passes(play, city)
    for s in city.stores:
        assert not passes(play, city.staffed(s.site.store_id, s.pickers, s.riders - 1))
        assert not passes(play, city.staffed(s.site.store_id, s.pickers - 1, s.riders))
    assert {d.round for d in done} == {1}  # nobody grew: one round
    assert "- kobe-harborland: 4 pickers, 20 riders" in table(done, city, Target())


def test_a_store_that_had_to_grow_sends_the_search_round_again():
    ids = [s.site.store_id for s in KOBE.stores]
    play, _ = evening({ids[0]: 10, ids[1]: 40, ids[2]: 10})  # harborland needs more than 30
    done, city = find_city_staff(SC, KOBE, Target(), play)
    assert {d.round for d in done} == {1, 2}
    assert passes(play, city)


def test_a_store_that_cannot_keep_the_target_stops_at_three_times_its_start_alone():
    ids = [s.site.store_id for s in KOBE.stores]
    play, _ = evening({ids[0]: 10, ids[1]: 10, ids[2]: 1000})  # oji-koen never keeps it
    done, city = find_city_staff(SC, KOBE, Target(), play, rounds=1)
    assert all(t.riders <= 90 and t.pickers <= 21 for d in done for t in d.search.tried)
    # the others are not held back by it: they still come down to their own fewest
    assert [(s.pickers, s.riders) for s in city.stores][:2] == [(4, 10), (4, 20)]
    assert not passes(play, city)
