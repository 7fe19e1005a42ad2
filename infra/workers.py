"""The app of one service as each process of `omo serve <service> --workers N` builds it.

uvicorn's supervisor binds the port once and starts N processes that share it (the kernel
hands each connection to one of them), each importing its app by name: these factories. Every
process is a whole instance, with its own pool, bus consumers (competing for events, SKIP
LOCKED) and timers; a periodic sweep still runs once per database (shared/sweeps.py).
Prometheus counters are each process's own: a scrape sees the process that answered it.
"""

from __future__ import annotations

from litestar import Litestar

from infra.registry import SERVICES
from shared.logs import configure_logging
from shared.settings import load


def _app(service: str) -> Litestar:
    entry = SERVICES[service]
    settings = load(entry.settings)
    configure_logging(service, level=settings.log_level, fmt=settings.log_format)
    return entry.create_app(settings)


def orders() -> Litestar:
    return _app("orders")


def fulfillment() -> Litestar:
    return _app("fulfillment")


def delivery() -> Litestar:
    return _app("delivery")
