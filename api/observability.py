"""Logs and metrics for operations: JSON log lines with the request id, Prometheus metrics.

Neither ever carries personal data. Log lines name the method, the route, the status, the
duration and the request id; the query string (a name search carries names) and bodies are never
logged. Metrics are labelled by the route's template (``/cases/{case_id}``), never its values.
"""

import logging
import time
from collections.abc import Iterable
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds the id of the request being served (if any) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = CURRENT_REQUEST_ID.get()
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        LOG_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def configure_logging(json_lines: bool) -> None:
    """Where no logging is set up yet (uvicorn only configures its own loggers): INFO to stderr,
    one JSON object per line (or plain text for a developer's terminal), with the request id."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter() if json_lines else logging.Formatter(LOG_FIELDS))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


# ---------------------------------------------------------------- metrics

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _PoolCollector(Collector):
    """The database connection pool, read when scraped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterable[GaugeMetricFamily]:
        pool = self.engine.pool
        checked_out = GaugeMetricFamily(
            "tsunagu_db_pool_checked_out", "Database connections in use."
        )
        size = GaugeMetricFamily("tsunagu_db_pool_size", "Database connections the pool keeps.")
        overflow = GaugeMetricFamily(
            "tsunagu_db_pool_overflow", "Connections open beyond the pool's size."
        )
        if isinstance(pool, QueuePool):
            checked_out.add_metric([], pool.checkedout())
            size.add_metric([], pool.size())
            overflow.add_metric([], max(pool.overflow(), 0))
        yield checked_out
        yield size
        yield overflow


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self, engine: Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tsunagu_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tsunagu_http_request_duration_seconds",
            "Time to answer, by method and route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_PoolCollector(engine))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template; "unmatched" for a 404 that matched none (so that a
    scan of random paths cannot make the label set grow)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.observe(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
