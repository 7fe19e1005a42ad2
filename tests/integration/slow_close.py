"""A PostgreSQL socket that closes late: bytes pass both ways at once, but when the server
hangs up, the client's side stays open a while longer, as over a network where the server's
last message arrives well before the connection's end. A connection the server ended then
looks open to asyncpg, with the server's FATAL read and nothing more to come."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import asyncpg


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, close_after: float):
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    await asyncio.sleep(close_after)
    writer.close()


@contextlib.contextmanager
def slow_close(dsn: str, close_after: float) -> Iterator[str]:
    """A DSN for the database at `dsn` (a unix socket) through the late-closing socket, served
    from a thread of its own (a test may block its own loop while a service starts)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="slow-close", daemon=True)
    thread.start()
    here = tempfile.mkdtemp()
    try:
        server = asyncio.run_coroutine_threadsafe(_serve(dsn, here, close_after), loop).result(10)
        parts = urlsplit(dsn)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"host": here}
        yield urlunsplit(parts._replace(query=urlencode(query, safe="/")))
        loop.call_soon_threadsafe(server.close)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        shutil.rmtree(here, ignore_errors=True)


async def _serve(dsn: str, here: str, close_after: float) -> asyncio.Server:
    conn = await asyncpg.connect(dsn)
    try:
        socket_dir = (await conn.fetchval("SHOW unix_socket_directories")).split(",")[0]
        port = await conn.fetchval("SHOW port")
    finally:
        await conn.close()

    async def forward(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
        await asyncio.gather(_pipe(client_r, server_w, 0), _pipe(server_r, client_w, close_after))

    return await asyncio.start_unix_server(forward, path=f"{here}/.s.PGSQL.{port}")
