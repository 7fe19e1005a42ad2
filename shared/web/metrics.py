"""Prometheus metrics: request counts and latencies per route, bus lag per consumer, and the
process's own (memory, CPU, open files, garbage collections).

Each app keeps its own registry (tests build several apps in one process) and labels requests by
route template, not raw path, so an id in a URL never becomes a new time series. No `_created`
series: they double every counter and histogram, and Prometheus reads resets without them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """`business`: the service's own counters (orders placed, shortages...), module-level
    collectors registered here beside the request and bus series."""

    def __init__(self, service: str, business: Sequence[Collector] = ()):
        disable_created_metrics()  # process-wide in prometheus_client; every app wants it off
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        for collector in business:
            self.registry.register(collector)
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "omo_http_requests", "HTTP requests handled", labels, registry=self.registry
        )
        self.latency = Histogram(
            "omo_http_request_seconds",
            "Time to handle an HTTP request",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.bus_pending = Gauge(
            "omo_bus_pending_events",
            "Events waiting for a consumer",
            ["consumer"],
            registry=self.registry,
        )
        self.bus_oldest = Gauge(
            "omo_bus_lag_seconds",
            "Age of the oldest event waiting for a consumer",
            ["consumer"],
            registry=self.registry,
        )
        self.bus_dead = Gauge(
            "omo_bus_dead_letters",
            "Events parked after too many failures",
            ["consumer"],
            registry=self.registry,
        )
        self.service = service

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def capture(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, capture)
            finally:
                route = scope.get("path_template") or "unmatched"
                method = scope["method"]
                self.requests.labels(method, route, str(status)).inc()
                self.latency.labels(method, route).observe(time.perf_counter() - started)

        return measured
