"""Run localstripe (a Stripe-compatible local server, GPL) on loopback only.

Its own `localstripe` command binds every interface; this starts the same aiohttp app on
127.0.0.1. A dev and test tool: it runs in its own process and no app code imports it.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.localstripe_server")
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    from aiohttp import web
    from localstripe.server import app

    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
