"""Prometheus metrics of one app instance: requests by route template and status, latency, requests in
flight, circuit breaker states and the email outbox backlog.

Each app gets its own `CollectorRegistry` (several apps live in one test process). Labels use the route
template (`/api/teams/{team_id:str}`), never the raw path, so cardinality stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import exposition as _exposition
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

# `*_created` series double the output and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = _exposition.CONTENT_TYPE_LATEST
UNMATCHED_ROUTE = "<unmatched>"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class _LazyCollector(Collector):
    """Reads a source at scrape time; the source may appear later (the container is built at startup)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        collector = self.source()
        if collector is not None:
            yield from collector.collect()


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "icct26_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "icct26_http_request_duration_seconds",
            "Time from the request arriving to the response finishing, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "icct26_http_requests_in_flight", "Requests being handled right now", registry=self.registry
        )
        self.database_up = Gauge(
            "icct26_database_up", "1 when the last scrape could query the database", registry=self.registry
        )
        self._outbox: dict[str, int] = {}
        self._breakers: Any = None
        self.registry.register(_LazyCollector(self._breaker_collector))
        self.registry.register(_LazyCollector(lambda: _OutboxCollector(self._outbox)))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def watch_breakers(self, breakers: Any) -> None:
        """Expose a `BreakerRegistry` (from `icct26.adapters.resilience`)."""
        self._breakers = breakers

    def _breaker_collector(self) -> Any:
        if self._breakers is None:
            return None
        from icct26.adapters.resilience import BreakerMetricsCollector

        return BreakerMetricsCollector(self._breakers)

    def set_outbox(self, counts: dict[str, int]) -> None:
        self._outbox = dict(counts)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _OutboxCollector:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Any]:
        family = GaugeMetricFamily(
            "icct26_outbox_emails", "Emails in the outbox by status (at the last scrape)", labels=["status"]
        )
        for status in ("pending", "sending", "sent", "failed"):
            family.add_metric([status], self.counts.get(status, 0))
        yield family
