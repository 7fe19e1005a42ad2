"""`eventually`, the suite's one way to wait: it returns what it waited for, and a wait in vain
fails naming the condition and the last thing seen, never passes quietly."""

from __future__ import annotations

import pytest

from tests.eventually import eventually, eventually_sync


def counter(*answers):
    """A check that answers `answers` in turn, then the last one for ever."""
    seen = list(answers)

    def check():
        return seen.pop(0) if len(seen) > 1 else seen[0]

    return check


async def test_returns_the_first_answer_that_holds():
    assert await eventually(counter(0, 0, 3), "three", every=0) == 3


async def test_awaits_a_coroutine_check_and_judges_by_ok():
    answers = counter({"status": "paid"}, {"status": "packed"})

    async def view():
        return answers()

    done = await eventually(view, "packed", ok=lambda v: v["status"] == "packed", every=0)
    assert done == {"status": "packed"}


async def test_a_wait_in_vain_fails_naming_what_and_the_last_value():
    with pytest.raises(pytest.fail.Exception, match=r"in vain for the order packed.*'paid'"):
        await eventually(lambda: "paid", "the order packed", 0.05, ok=lambda s: s == "packed")


def test_an_ignored_exception_is_not_yet_and_is_reported_when_it_lasts():
    assert eventually_sync(counter(None, 7), "seven", every=0) == 7

    def refused():
        raise ConnectionRefusedError("nobody listens")

    with pytest.raises(pytest.fail.Exception, match="nobody listens"):
        eventually_sync(refused, "a server", 0.05, ignoring=(OSError,))
    with pytest.raises(ConnectionRefusedError):  # one not ignored is the test's failure at once
        eventually_sync(refused, "a server", 0.05)
