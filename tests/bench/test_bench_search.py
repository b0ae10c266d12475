"""The sustainable-rate search on synthetic steps: a one-off p99 stall is measured again and does not
end the search; a stall that repeats does. No server, no clock: only the search's decisions."""

from __future__ import annotations

from typing import Any

import pytest
from bench.loadgen import SearchPlan, StepResult, find_sustainable

from bench import loadgen

pytestmark = pytest.mark.asyncio


def synthetic(rate: float | None, p99_ms: float, mode: str = "open") -> StepResult:
    count = 100
    latencies = sorted([1.0] * (count - 2) + [p99_ms] * 2)
    return StepResult(
        mode, rate, None, 3.0, count, count, 0, {}, count / (rate or 100.0), latencies, 4, 0.1, 0.1
    )


def fake_server(monkeypatch: pytest.MonkeyPatch, p99_at: Any) -> list[float]:
    """Steps answer with `p99_at(rate, nth measurement of that rate)`; returns the rates measured."""
    measured: list[float] = []

    async def closed_loop(*args: Any, **kwargs: Any) -> StepResult:
        return synthetic(None, 1.0, "closed")

    async def measured_step(client: Any, factory: Any, plan: Any, rate: float, meter: Any) -> StepResult:
        nth = sum(1 for r in measured if abs(r - rate) < 1e-9)
        measured.append(rate)
        return synthetic(rate, p99_at(rate, nth))

    monkeypatch.setattr(loadgen, "closed_loop", closed_loop)
    monkeypatch.setattr(loadgen, "_measured_step", measured_step)
    monkeypatch.setattr(loadgen.asyncio, "sleep", _no_sleep)
    return measured


async def _no_sleep(seconds: float) -> None:
    return None


PLAN = SearchPlan(start_fraction=0.2, growth=1.5, resolution=1.15, max_steps=8)


async def test_a_one_off_stall_is_measured_again_and_forgiven(monkeypatch: pytest.MonkeyPatch) -> None:
    # Capacity 100/s; the step at 45/s stalls once (200 ms), then answers normally when measured again.
    measured = fake_server(
        monkeypatch, lambda rate, nth: 200.0 if (rate == 45.0 and nth == 0) else 5.0 if rate < 100 else 500.0
    )
    result = await find_sustainable(None, lambda: None, PLAN)  # type: ignore[arg-type]
    assert measured.count(45.0) == 2
    assert "measured again" in result.verdicts[measured.index(45.0)]
    assert result.sustainable is not None and result.sustainable.offered_rate is not None
    assert result.sustainable.offered_rate > 45.0


async def test_a_stall_that_repeats_is_degraded(monkeypatch: pytest.MonkeyPatch) -> None:
    measured = fake_server(monkeypatch, lambda rate, nth: 5.0 if rate < 40 else 500.0)
    result = await find_sustainable(None, lambda: None, PLAN)  # type: ignore[arg-type]
    assert result.sustainable is not None and result.sustainable.offered_rate is not None
    assert result.sustainable.offered_rate < 40
    assert len(measured) <= PLAN.max_steps + PLAN.max_rechecks
