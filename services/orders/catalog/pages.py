"""Catalog reads answered from pages cached in the process, with an ETag (issue 19).

A page is the encoded answer to one public catalog read, kept under the store's catalog
version when it was read. A change of prices, definitions, stock counts or currency bumps the
version in its own transaction (`store.bump_catalog_version`), and every read asks for the
version first: no page read before a change is served once the change has committed. The
version is read before the page, so a change committing between the two leaves a page filed
under the older version, which the next read no longer matches.
What a page shows as available (on hand less reserved) moves with every checkout and is not
versioned (the row would queue every checkout of the store), so a page lives at most
`stock_lag_s`; checkout re-checks stock under its own lock anyway.

Reads of one store share their version query (`Versions`): a read waits for the first query
sent after it arrived, so it still sees every change committed before it, but a hundred reads
at once cost the database two queries, not a hundred, and a read the cache answers takes no
connection of its own.

Answers carry a strong ETag, a hash of the body, and `Cache-Control: public, no-cache`: a CDN
or the app may keep a page but asks each time, and one that has not changed answers 304.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec

from services.orders.catalog import store as db

CACHE_CONTROL = "public, no-cache"
# What the document says of a cached read: its headers, and the 304 a client with it gets.
HEADERS = [
    ResponseHeader(
        name="ETag", description="Send it back as `If-None-Match`.", documentation_only=True
    ),
    ResponseHeader(name="Cache-Control", description=CACHE_CONTROL, documentation_only=True),
]
NOT_MODIFIED = {
    304: ResponseSpec(
        data_container=None,
        description="The client's copy (its `If-None-Match`) is current: no body.",
        generate_examples=False,
    )
}
_encode = msgspec.json.Encoder().encode


class Page(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    read_at: float
    body: bytes
    etag: str


class Versions:
    """Store catalog versions, read once for all the reads waiting when the query is sent.

    A read joins the query not yet sent for its store, or starts one; the query is taken off
    the list as it is sent, so a read arriving later waits for the next. The database reads the
    version after the query is sent, so after every read that joined it arrived."""

    def __init__(self) -> None:
        self._unsent: dict[str, asyncio.Future[int]] = {}
        self._asking: set[asyncio.Task[None]] = set()  # held, so that none is collected early

    async def current(self, pool: asyncpg.Pool, store_id: str) -> int:
        answer = self._unsent.get(store_id)
        if answer is None:
            answer = self._unsent[store_id] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._ask(pool, store_id, answer))
            self._asking.add(task)
            task.add_done_callback(self._asking.discard)
        # Shielded: a cancelled read must not cancel the answer the others wait for.
        return await asyncio.shield(answer)

    async def _ask(self, pool: asyncpg.Pool, store_id: str, answer: asyncio.Future[int]) -> None:
        try:
            async with pool.acquire() as conn:
                del self._unsent[store_id]
                answer.set_result(await db.catalog_version(conn, store_id=store_id))
        except Exception as exc:
            answer.set_exception(exc)
            answer.exception()  # retrieved here too, should every read have gone
        finally:
            if self._unsent.get(store_id) is answer:  # it failed before it was sent
                del self._unsent[store_id]
            if not answer.done():  # cancelled: the service is stopping
                answer.cancel()


class PageCache:
    """The process's pages by store and request (path and query), the oldest dropped past
    `size`."""

    def __init__(self, *, stock_lag_s: float, size: int = 4096):
        self.stock_lag_s, self.size = stock_lag_s, size
        self._pages: dict[tuple[str, str], Page] = {}
        self.versions = Versions()

    def get(self, key: tuple[str, str], version: int) -> Page | None:
        page = self._pages.get(key)
        if page is None or page.version != version:
            return None
        if time.monotonic() - page.read_at > self.stock_lag_s:
            return None
        return page

    def put(self, key: tuple[str, str], version: int, content: object) -> Page:
        body = _encode(content)
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        page = Page(version=version, read_at=time.monotonic(), body=body, etag=etag)
        self._pages.pop(key, None)
        self._pages[key] = page
        if len(self._pages) > self.size:
            del self._pages[next(iter(self._pages))]
        return page

    async def answer(
        self,
        pool: asyncpg.Pool,
        request: Request,
        store_id: str,
        read: Callable[[asyncpg.Connection], Awaitable[object]],
        *,
        if_none_match: str | None,
        language: str | None = None,
    ) -> Response:
        """The page `read` gives (on a connection with no transaction: it only reads), from
        the cache while the store's catalog version stands; 304 if the client has it.
        `language` is the one the page was read in when a header chose it (Accept-Language),
        which the URL alone does not tell."""
        key = (store_id, f"{request.url.path}?{request.url.query}#{language or ''}")
        version = await self.versions.current(pool, store_id)
        page = self.get(key, version)
        if page is None:
            async with pool.acquire() as conn:
                page = self.put(key, version, await read(conn))
        headers = {"ETag": page.etag, "Cache-Control": CACHE_CONTROL}
        if language is not None:
            headers["Vary"] = "Accept-Language"
        held = _tags(if_none_match or "")
        if page.etag in held or "*" in held:
            return Response(b"", status_code=304, headers=headers)
        return Response(page.body, media_type="application/json", headers=headers)


def _tags(if_none_match: str) -> set[str]:
    """The entity tags a client holds; a weak one compares as its strong self (RFC 9110)."""
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
