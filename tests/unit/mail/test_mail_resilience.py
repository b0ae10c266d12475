"""The breaker registry and retry policies that guard SMTP (and storage)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from icct26.adapters.resilience import (
    Backoff,
    BreakerMetricsCollector,
    BreakerOpenError,
    BreakerRegistry,
    RetryPolicy,
)
from icct26.config import ConfigError, load_settings

pytestmark = pytest.mark.asyncio


class Flaky:
    def __init__(self, failures: int, error: type[Exception] = ConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("boom")
        return "ok"


async def test_breaker_opens_after_fail_max_then_refuses_without_calling() -> None:
    breaker = BreakerRegistry().get("smtp", fail_max=3, reset_seconds=60)
    fn = Flaky(failures=100)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await breaker.call(fn)
    with pytest.raises(BreakerOpenError) as tripped:
        await breaker.call(fn)
    assert tripped.value.tripped and isinstance(tripped.value.cause, ConnectionError)
    assert breaker.state == "open" and fn.calls == 3
    for _ in range(5):
        with pytest.raises(BreakerOpenError) as refused:
            await breaker.call(fn)
        assert not refused.value.tripped
    assert fn.calls == 3  # never called while open
    assert refused.value.retry_at > datetime.now(UTC) + timedelta(seconds=50)


async def test_breaker_half_opens_after_reset_and_closes_on_success() -> None:
    breaker = BreakerRegistry().get("storage:s3", fail_max=1, reset_seconds=0.05)
    with pytest.raises(BreakerOpenError):
        await breaker.call(Flaky(failures=1))
    assert breaker.state == "open"
    await asyncio.sleep(0.1)
    assert await breaker.call(Flaky(failures=0)) == "ok"
    assert breaker.state == "closed" and breaker.failures == 0


async def test_excluded_errors_do_not_count() -> None:
    breaker = BreakerRegistry().get("x", fail_max=2, reset_seconds=60, exclude=[KeyError])
    for _ in range(5):
        with pytest.raises(KeyError):
            await breaker.call(Flaky(failures=1, error=KeyError))
    assert breaker.state == "closed" and breaker.failures == 0


async def test_registry_returns_one_breaker_per_name_and_reports_states() -> None:
    registry = BreakerRegistry()
    smtp = registry.get("smtp", fail_max=1, reset_seconds=60)
    assert registry.get("smtp", fail_max=9, reset_seconds=1) is smtp
    registry.get("storage:s3", fail_max=1, reset_seconds=60)
    with pytest.raises(BreakerOpenError):
        await smtp.call(Flaky(failures=1))
    assert registry.states() == {"smtp": "open", "storage:s3": "closed"}
    families = {f.name: f for f in BreakerMetricsCollector(registry).collect()}
    samples = {s.labels["name"]: s.value for s in families["icct26_circuit_breaker_state"].samples}
    assert samples == {"smtp": 2, "storage:s3": 0}


async def test_retry_policy_retries_only_what_it_is_told_to() -> None:
    policy = RetryPolicy(
        "test", attempts=3, retry_on=lambda e: isinstance(e, ConnectionError), initial_wait=0
    )
    fn = Flaky(failures=2)
    assert await policy.call(fn) == "ok" and fn.calls == 3
    fn = Flaky(failures=5)
    with pytest.raises(ConnectionError):
        await policy.call(fn)
    assert fn.calls == 3
    fn = Flaky(failures=1, error=ValueError)
    with pytest.raises(ValueError):
        await policy.call(fn)
    assert fn.calls == 1


def test_backoff_doubles_and_is_capped() -> None:
    backoff = Backoff(base_seconds=60, cap_seconds=3600)
    assert [backoff.delay(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert backoff.delay(10_000).total_seconds() == 3600


def test_outbox_lease_must_cover_a_whole_batch() -> None:
    with pytest.raises(ConfigError, match=r"^OUTBOX_LEASE_SECONDS"):
        load_settings({"OUTBOX_BATCH_SIZE": "20", "SMTP_TIMEOUT_SECONDS": "10"}, env_file=None)
    assert load_settings({"OUTBOX_BATCH_SIZE": "5"}, env_file=None).outbox.lease_seconds == 300
