"""The load generator's HTTP client: one keep-alive HTTP/1.1 connection to our own server, one
request at a time, in as little CPU as a request can cost, because the load generator runs on
the same cores as the service it measures.

httpx cost the load generator 0.5-1.0 ms of CPU a request (its pool and request models), as
much as the orders process spent answering a catalog read: at 1,800 reads a second it took a
core from the service. aiohttp cost 70-80 us a request against a server that answers at once,
this 11-16 us on uvloop (26-29 on asyncio's loop); against the orders service, where each
answer wakes the load generator on its own, aiohttp's placements still cost it 0.3-0.5 ms.

It speaks only what our servers (uvicorn) send: answers framed by Content-Length or chunked,
parsed by httptools (llhttp, uvicorn's own parser). What it does not get, it reports rather than
retries: a connection closed before the answer was whole, bytes nobody asked for, an answer the
parser rejects, no answer in `TIMEOUT_S`, each as a failure of its kind (the exception's class
name) on the request it befell, and the connection is dropped; the next request opens another.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools
import msgspec

JSON = msgspec.json.Encoder()
TIMEOUT_S = 30
PARSER_ERRORS = (httptools.HttpParserError, httptools.HttpParserUpgrade)


@dataclass(frozen=True, slots=True)
class Call:
    """One request. `path` as sent (percent-encoded); `body` JSON already encoded
    (`JSON.encode`), sent as application/json."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] | None = None


class Closed(Exception):
    """The connection closed before the answer was whole."""


class Unasked(Exception):
    """The server sent bytes while no request was waiting for an answer."""


class _Exchange(asyncio.Protocol):
    """The connection's protocol: each answer parsed as it arrives, handed to `answer`."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.keep_alive = False  # the server's last answer keeps the connection open
        self.stray = False  # an answer began with no request waiting for it
        self.broken: Exception | None = None  # what went wrong while no request was waiting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            if self.answer is None or self.answer.done():
                raise Unasked(repr(data[:100]))
            self.parser.feed_data(data)
            if self.stray:
                raise Unasked(f"a second answer after one request: {data[-100:]!r}")
        except (Unasked, *PARSER_ERRORS) as exc:
            self.fail(exc)

    def on_message_begin(self) -> None:
        self.stray = self.answer is None or self.answer.done()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        # Asked here: once the parser has moved past the answer it no longer knows.
        self.keep_alive = self.parser.should_keep_alive()
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), b"".join(self.body)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(Closed(str(exc or "by the server")))

    def fail(self, exc: Exception) -> None:
        """The waiting request fails with `exc` (the next one, if none is waiting), and the
        connection is dropped."""
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)
        else:
            self.broken = exc
        if self.transport is not None:
            self.transport.abort()
            self.transport = None

    def timed_out(self) -> None:
        self.fail(TimeoutError(f"no answer in {TIMEOUT_S} s"))

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self.body = []
        self.answer = loop.create_future()
        timer = loop.call_later(TIMEOUT_S, self.timed_out)
        self.transport.write(request)
        try:
            return await self.answer
        finally:
            timer.cancel()


class Connection:
    """One keep-alive connection to `base_url`, opened at the first request and again after the
    server closes it; one request at a time."""

    def __init__(self, base_url: str):
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.host_header = f"Host: {url.netloc}\r\n".encode()
        self.protocol: _Exchange | None = None

    def encode(self, call: Call) -> bytes:
        parts = [f"{call.method} {call.path} HTTP/1.1\r\n".encode(), self.host_header]
        parts += [f"{name}: {value}\r\n".encode() for name, value in (call.headers or {}).items()]
        if call.body is None:
            parts.append(b"\r\n")
        else:
            parts.append(b"Content-Type: application/json\r\n")
            parts += [b"Content-Length: %d\r\n\r\n" % len(call.body), call.body]
        return b"".join(parts)

    async def send(self, call: Call) -> tuple[int | str, bytes]:
        """The answer's status and body, or the kind of failure (the exception's class name)
        and its message."""
        request = self.encode(call)
        try:
            if self.protocol is not None and self.protocol.broken is not None:
                raise self.protocol.broken
            if self.protocol is None or self.protocol.transport is None:
                async with asyncio.timeout(TIMEOUT_S):
                    _, self.protocol = await asyncio.get_running_loop().create_connection(
                        _Exchange, self.host, self.port
                    )
            status, body = await self.protocol.exchange(request)
        except (OSError, TimeoutError, Closed, Unasked, *PARSER_ERRORS) as exc:
            self.close()
            return type(exc).__name__, str(exc).encode()
        if not self.protocol.keep_alive:
            self.close()
        return status, body

    def close(self) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()
        self.protocol = None
