"""One way to refuse and keep what the refusal wrote: a `DomainError` that `commits`. A use
case's own transaction (`unit_of_work`) ends as a request's does."""

from __future__ import annotations

import pytest

from shared.db import unit_of_work
from shared.errors import Conflict, TooManyRequests

NOTE = "INSERT INTO public.notes (note) VALUES ($1)"


class CountedMiss(Conflict):
    """The request conflicts with the current state."""

    commits = True


async def test_a_refusal_that_commits_keeps_what_it_wrote_and_another_rolls_back(pool):
    await pool.execute("CREATE TABLE public.notes (note text NOT NULL)")
    with pytest.raises(CountedMiss):
        async with unit_of_work(pool) as conn:
            await conn.execute(NOTE, "kept")
            raise CountedMiss("counted")
    with pytest.raises(Conflict):
        async with unit_of_work(pool) as conn:
            await conn.execute(NOTE, "refused")
            raise Conflict("nothing kept")
    with pytest.raises(RuntimeError):
        async with unit_of_work(pool) as conn:
            await conn.execute(NOTE, "broken")
            raise RuntimeError("a bug")
    async with unit_of_work(pool) as conn:
        await conn.execute(NOTE, "done")
    notes = await pool.fetch("SELECT note FROM public.notes ORDER BY note")
    assert [r["note"] for r in notes] == ["done", "kept"]


def test_a_refusal_to_wait_names_its_wait_in_retry_after_and_others_add_no_header():
    assert TooManyRequests("slow down", retry_after_s=7).headers == {"Retry-After": "7"}
    assert CountedMiss("counted").headers == {}
