"""Prometheus metrics beyond the per-request ones of Litestar's Prometheus plugin
(`icct26_http_requests_total` etc., labelled by route template): circuit breaker states, the email
outbox backlog and whether the database answered the last scrape.

They are read at scrape time from the services of the app that serves `/metrics`, through one
collector registered once per process in prometheus_client's default registry (the one the plugin
uses too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, disable_created_metrics, generate_latest
from prometheus_client import exposition as _exposition
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from icct26.adapters.resilience import BreakerMetricsCollector, BreakerRegistry

# `*_created` series double the output and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = _exposition.CONTENT_TYPE_LATEST
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class ServiceMetrics(Collector):
    def __init__(self) -> None:
        self.breakers: BreakerRegistry | None = None
        self.outbox: dict[str, int] = {}
        self.database_up = 0

    def observed(self, breakers: BreakerRegistry, database_up: bool, outbox: dict[str, int]) -> None:
        self.breakers = breakers
        self.database_up = int(database_up)
        if database_up:
            self.outbox = dict(outbox)

    def collect(self) -> Iterator[Any]:
        if self.breakers is not None:
            yield from BreakerMetricsCollector(self.breakers).collect()
        up = GaugeMetricFamily("icct26_database_up", "1 when the last scrape could query the database")
        up.add_metric([], self.database_up)
        yield up
        outbox = GaugeMetricFamily(
            "icct26_outbox_emails", "Emails in the outbox by status (at the last scrape)", labels=["status"]
        )
        for status in OUTBOX_STATUSES:
            outbox.add_metric([status], self.outbox.get(status, 0))
        yield outbox


SERVICE_METRICS = ServiceMetrics()
REGISTRY.register(SERVICE_METRICS)


def render() -> bytes:
    return generate_latest(REGISTRY)
