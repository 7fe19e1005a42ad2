"""The load generator's HTTP client (bench/load_http.py) against scripted servers: what it
sends, that it keeps its connection, and that an answer gone wrong is reported as a failure of
its kind rather than taken for an answer (the bench tallies those as errors)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from bench.load_http import Call, Connection

OK = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}"


class Scripted:
    """A server whose n-th connection reads a request before writing each of `scripts[n]`'s
    answers, then closes; it keeps the requests it read."""

    def __init__(self, *scripts: list[bytes]):
        self.scripts = list(scripts)
        self.requests: list[bytes] = []
        self.connections = 0

    async def connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answers = self.scripts[self.connections]
        self.connections += 1
        try:
            for answer in answers:
                head = await reader.readuntil(b"\r\n\r\n")
                sized = [h for h in head.split(b"\r\n") if h.startswith(b"Content-Length:")]
                length = int(sized[0].split(b":")[1]) if sized else 0
                self.requests.append(head + await reader.readexactly(length))
                writer.write(answer)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def listening() -> AsyncIterator[list[asyncio.Server]]:
    servers: list[asyncio.Server] = []
    yield servers
    for server in servers:
        server.close()
        await server.wait_closed()


async def connect(listening: list[asyncio.Server], scripted: Scripted) -> Connection:
    server = await asyncio.start_server(scripted.connected, "127.0.0.1", 0)
    listening.append(server)
    return Connection(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")


async def test_sends_the_call_as_json_with_its_headers_and_keeps_the_connection(listening):
    server = Scripted([OK, OK])
    http = await connect(listening, server)
    call = Call("POST", "/v1/orders?q=%E5%90%8D", b'{"a":1}', {"Idempotency-Key": "k1"})

    assert await http.send(call) == (201, b"{}")
    assert await http.send(call) == (201, b"{}")

    assert server.connections == 1
    head, body = server.requests[0].split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/orders?q=%E5%90%8D HTTP/1.1"
    sent = {b"Idempotency-Key: k1", b"Content-Type: application/json", b"Content-Length: 7"}
    assert sent <= set(lines)
    assert body == b'{"a":1}'
    http.close()


async def test_a_chunked_answer_is_read_whole(listening):
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    chunked += b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    http = await connect(listening, Scripted([chunked]))

    assert await http.send(Call("GET", "/")) == (200, b"abcde")
    http.close()


async def test_an_answer_cut_short_fails_and_the_next_request_opens_a_connection(listening):
    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc"
    server = Scripted([cut], [OK])
    http = await connect(listening, server)

    kind, _ = await http.send(Call("GET", "/"))
    assert kind == "Closed"

    assert await http.send(Call("GET", "/")) == (201, b"{}")
    assert server.connections == 2
    http.close()


async def test_a_malformed_answer_fails_as_the_parser_names_it(listening):
    http = await connect(listening, Scripted([b"HTTP/1.1 2x0 Nonsense\r\n\r\n"]))

    kind, _ = await http.send(Call("GET", "/"))

    assert str(kind).startswith("HttpParser")
    http.close()


async def test_a_second_answer_to_one_request_fails_the_next_request_unsent(listening):
    server = Scripted([OK + OK, OK])
    http = await connect(listening, server)

    assert await http.send(Call("GET", "/")) == (201, b"{}")
    kind, _ = await http.send(Call("GET", "/"))

    assert kind == "Unasked"
    assert len(server.requests) == 1
    http.close()


async def test_an_answer_that_closes_the_connection_counts_and_the_next_reconnects(listening):
    closing = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"
    server = Scripted([closing], [closing])
    http = await connect(listening, server)

    assert await http.send(Call("GET", "/")) == (200, b"ok")
    assert await http.send(Call("GET", "/")) == (200, b"ok")
    assert server.connections == 2
    http.close()


async def test_a_refused_connection_fails_as_refused():
    with socket.socket() as s:  # a port nothing listens on once it is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = Connection(f"http://127.0.0.1:{port}")

    kind, _ = await http.send(Call("GET", "/"))

    assert kind == "ConnectionRefusedError"
