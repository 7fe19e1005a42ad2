"""A handler's dependencies are resolved in the request's own task, in turn
(shared/web/dependencies.py), still each after those it depends on."""

from __future__ import annotations

import asyncio

from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from shared.web.dependencies import resolve_in_turn


async def test_dependencies_resolve_in_the_request_task_after_their_own():
    resolve_in_turn()
    seen: list[tuple[str, asyncio.Task | None]] = []

    async def first() -> str:
        seen.append(("first", asyncio.current_task()))
        return "first"

    async def second() -> str:
        seen.append(("second", asyncio.current_task()))
        return "second"

    async def after(first: str, second: str) -> str:
        seen.append(("after", asyncio.current_task()))
        return f"{first}+{second}"

    @get("/", dependencies={"first": Provide(first), "second": Provide(second)})
    async def handler(first: str, second: str, after: str) -> dict:
        seen.append(("handler", asyncio.current_task()))
        return {"after": after}

    app = Litestar([handler], dependencies={"after": Provide(after)})
    async with AsyncTestClient(app) as client:
        response = await client.get("/")
    assert response.json() == {"after": "first+second"}
    assert [name for name, _ in seen][-2:] == ["after", "handler"]
    assert {name for name, _ in seen[:2]} == {"first", "second"}
    assert len({task for _, task in seen}) == 1  # no task of their own
