"""Run localstripe (a Stripe-compatible local server, GPL) on loopback only.

Its own `localstripe` command binds every interface; this starts the same aiohttp app on
127.0.0.1. A dev and test tool: it runs in its own process and no app code imports it.

localstripe ignores the `Idempotency-Key` header that Stripe honours; this server honours it as
Stripe does (a POST repeated with the same key and account gets the first answer, and moves no
money again), so a retry that is safe against Stripe is shown safe here too.
"""

from __future__ import annotations

import argparse

from aiohttp import web

# (account, key) -> the first answer's status, content type and body. Stripe keeps keys for 24 h;
# a dev server's life is shorter than that.
_ANSWERED: dict[tuple[str, str], tuple[int, str, bytes]] = {}


@web.middleware
async def idempotent(request: web.Request, handler) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    seen = (request.headers.get("Authorization", ""), key)
    if seen in _ANSWERED:
        status, content_type, body = _ANSWERED[seen]
        return web.Response(
            status=status,
            body=body,
            content_type=content_type,
            headers={"Idempotent-Replayed": "true"},
        )
    response = await handler(request)
    content = response.body if isinstance(response, web.Response) else None
    if isinstance(content, bytes | bytearray) and response.status < 500:
        _ANSWERED[seen] = (response.status, response.content_type, bytes(content))
    return response


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.localstripe_server")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    from localstripe.server import app

    app.middlewares.insert(0, idempotent)  # outermost: it sees localstripe's error answers too
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
