"""Open-loop HTTP load generator, and the search for a scenario's sustainable rate.

Why this exists: the load tools installable here (wrk, hey, ab) are closed-loop: each connection sends
its next request only when the previous answer is in, so when the server stalls the client stalls with
it, the slow period is sampled less, and the percentiles come out far too good ("coordinated
omission"). wrk2, the open-loop fork, is not packaged. This module sends requests on a fixed arrival
schedule (one every 1/rate seconds) whatever the server does, and measures every latency from the
request's *scheduled* send time, so time spent queued, in the server or in the client, is counted.

It is bounded: a step sends at most rate x duration requests (capped by `max_requests`), each with a
timeout, and after the schedule ends the stragglers get `drain_seconds` before they are cancelled and
counted as errors. It runs in the bench process, never in the server's, on a minimal HTTP/1.1 client
(`bench/http1.py`, on uvloop when run by `bench/run.py`) that keeps the client's cost per request low;
each step records how late the client dispatched and how much CPU it used, so a client-bound
measurement shows up as such.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.http1 import Http1Client, ResponseError

DISPATCH_TICK = 0.001  # seconds


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect: frozenset[int] = frozenset({200})


# Called once per request at its send time; scenarios make each request unique through it.
RequestFactory = Callable[[], HttpRequest]
# One closed-loop operation; returns an error label, or None on success.
Operation = Callable[[], Awaitable[str | None]]


@contextmanager
def _quiet_gc() -> Iterator[None]:
    """For one step, exempt the objects alive at its start from the garbage collector, so that no full
    pass of the client (~200,000 long-lived objects, ~100 ms) stalls the step's requests."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (0 when empty)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class StepResult:
    """One measured step: open-loop at `offered_rate`, or closed-loop at `concurrency`."""

    mode: str  # "open" | "closed"
    offered_rate: float | None
    concurrency: int | None
    duration_s: float
    sent: int
    completed: int  # answered with an expected status
    errors: int
    error_kinds: dict[str, int]
    elapsed_s: float  # from the first scheduled send to the last answer
    latencies_ms: list[float]  # successful requests, ascending
    max_in_flight: int
    dispatch_lag_p99_ms: float  # how late the client sent, by its own clock (client saturation)
    client_cpu: float  # cores used by this process during the step
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. CPU use of the server during the step

    @property
    def throughput(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.sent if self.sent else 0.0

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def mean_ms(self) -> float:
        return sum(self.latencies_ms) / len(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def mean_concurrency(self) -> float:
        """Little's law: requests in flight on average (throughput x mean latency)."""
        return self.throughput * self.mean_ms / 1000

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "offered_rate": None if self.offered_rate is None else round(self.offered_rate, 2),
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 2),
            "sent": self.sent,
            "completed": self.completed,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "throughput_rps": round(self.throughput, 2),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "mean_ms": round(self.mean_ms, 2),
            "max_ms": round(self.latencies_ms[-1], 2) if self.latencies_ms else 0.0,
            "mean_concurrency": round(self.mean_concurrency, 2),
            "max_in_flight": self.max_in_flight,
            "dispatch_lag_p99_ms": round(self.dispatch_lag_p99_ms, 2),
            "client_cpu_cores": round(self.client_cpu, 2),
            **self.extra,
        }


def client_session(base_url: str, max_connections: int = 64) -> Http1Client:
    """Keep-alive connections for one scenario (use as `async with`)."""
    return Http1Client(base_url, max_connections)


async def send(client: Http1Client, request: HttpRequest, timeout: float) -> tuple[int | None, str | None]:
    """(status, None) once the whole answer is read; (None, error label) when there was none."""
    try:
        payload = client.encode(request.method, request.path, request.headers, request.body)
        return await client.request(payload, timeout), None
    except TimeoutError:
        return None, "timeout"
    except ResponseError:
        return None, "bad_response"
    except OSError as exc:
        return None, type(exc).__name__


def _label(request: HttpRequest, status: int | None, error: str | None) -> str | None:
    if error is not None:
        return error
    return None if status in request.expect else f"status_{status}"


async def open_loop(
    client: Http1Client,
    factory: RequestFactory,
    *,
    rate: float,
    duration: float,
    max_requests: int = 50_000,
    timeout: float = 30.0,
    drain_seconds: float | None = None,
) -> StepResult:
    """Send `rate` requests per second for `duration` seconds on a fixed schedule; wait for answers."""
    with _quiet_gc():
        return await _open_loop(client, factory, rate, duration, max_requests, timeout, drain_seconds)


async def _open_loop(
    client: Http1Client,
    factory: RequestFactory,
    rate: float,
    duration: float,
    max_requests: int,
    timeout: float,
    drain_seconds: float | None,
) -> StepResult:
    total = max(1, min(max_requests, round(rate * duration)))
    interval = 1.0 / rate
    latencies: list[float] = []
    lags: list[float] = []
    kinds: Counter[str] = Counter()
    in_flight = 0
    max_in_flight = 0
    last_done = 0.0

    async def fire(request: HttpRequest, scheduled: float) -> None:
        nonlocal in_flight, max_in_flight, last_done
        in_flight += 1
        max_in_flight = max(max_in_flight, in_flight)
        try:
            status, error = await send(client, request, timeout)
        except Exception as exc:  # a client bug is a counted failure, never a silent success
            status, error = None, type(exc).__name__
        finally:
            in_flight -= 1
        done = time.perf_counter()
        last_done = max(last_done, done)
        label = _label(request, status, error)
        if label is None:
            latencies.append((done - scheduled) * 1000)  # from the *scheduled* send time
        else:
            kinds[label] += 1

    cpu_start = time.process_time()
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter() + 0.01
    sent = 0
    while sent < total:
        now = time.perf_counter()
        due = start + sent * interval
        if due > now:
            # Wake at most once per tick and send everything due: far fewer wake-ups at high rates.
            # A request sent up to a tick late still counts from its scheduled time.
            await asyncio.sleep(max(due - now, DISPATCH_TICK))
            continue
        while sent < total and start + sent * interval <= now:
            scheduled = start + sent * interval
            lags.append((now - scheduled) * 1000)
            tasks.append(asyncio.create_task(fire(factory(), scheduled)))
            sent += 1
        await asyncio.sleep(0)
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=timeout if drain_seconds is None else drain_seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            kinds["unfinished"] += len(pending)
    # Answers trailing the schedule stretch the window, so a server that falls behind shows a lower rate.
    end = time.perf_counter() if kinds["unfinished"] else max(last_done, start + (total - 1) * interval)
    cpu = time.process_time() - cpu_start
    latencies.sort()
    lags.sort()
    return StepResult(
        mode="open",
        offered_rate=rate,
        concurrency=None,
        duration_s=total * interval,
        sent=total,
        completed=len(latencies),
        errors=total - len(latencies),
        error_kinds=dict(kinds),
        elapsed_s=max(end - start, interval),
        latencies_ms=latencies,
        max_in_flight=max_in_flight,
        dispatch_lag_p99_ms=percentile(lags, 99),
        client_cpu=cpu / max(end - start, 1e-9),
    )


async def closed_loop(
    operation: Operation, *, concurrency: int, duration: float, max_operations: int = 100_000
) -> StepResult:
    """`concurrency` workers each run `operation` back to back for `duration` seconds.

    Used for capacity probes and for baselines that are not HTTP; its latencies are per operation
    (closed-loop numbers, so they hide queueing; they are never the reported HTTP percentiles).
    """
    with _quiet_gc():
        return await _closed_loop(operation, concurrency, duration, max_operations)


async def _closed_loop(
    operation: Operation, concurrency: int, duration: float, max_operations: int
) -> StepResult:
    latencies: list[float] = []
    kinds: Counter[str] = Counter()
    started = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    deadline = start + duration

    async def worker() -> None:
        nonlocal started
        while time.perf_counter() < deadline and started < max_operations:
            started += 1
            begin = time.perf_counter()
            try:
                error = await operation()
            except Exception as exc:  # a baseline's failure is a counted error, not a crash
                error = type(exc).__name__
            if error is None:
                latencies.append((time.perf_counter() - begin) * 1000)
            else:
                kinds[error] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return StepResult(
        mode="closed",
        offered_rate=None,
        concurrency=concurrency,
        duration_s=duration,
        sent=started,
        completed=len(latencies),
        errors=started - len(latencies),
        error_kinds=dict(kinds),
        elapsed_s=elapsed,
        latencies_ms=latencies,
        max_in_flight=concurrency,
        dispatch_lag_p99_ms=0.0,
        client_cpu=(time.process_time() - cpu_start) / max(elapsed, 1e-9),
    )


def http_operation(client: Http1Client, factory: RequestFactory, timeout: float = 30.0) -> Operation:
    """A closed-loop operation that sends one request of `factory`."""

    async def operation() -> str | None:
        request = factory()
        status, error = await send(client, request, timeout)
        return _label(request, status, error)

    return operation


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """How to step the offered rate, and when a step counts as degraded."""

    probe_concurrency: int = 16
    probe_seconds: float = 1.5
    probe_max_requests: int = 100_000
    start_fraction: float = 0.2  # the first (reference) step offers this share of the probe's throughput
    growth: float = 1.5  # each next step offers this much more, until one is degraded ...
    resolution: float = 1.15  # ... then bisect between the last good and first bad rate down to this ratio
    max_steps: int = 8
    max_rechecks: int = 3  # a step degraded by its p99 alone is measured again, at most this often
    step_seconds: float = 3.0
    min_requests_per_step: int = 40
    max_step_seconds: float = 10.0
    p99_factor: float = 2.0  # degraded: p99 above p99_factor x the reference step's p99 ...
    p99_slack_ms: float = 10.0  # ... and above it by more than this (jitter of very fast answers)
    max_error_rate: float = 0.01
    min_delivery: float = 0.9  # degraded: fewer answers per second than this share of the offered rate
    min_rate: float = 0.5
    max_requests_per_step: int = 20_000
    timeout: float = 30.0


@dataclass
class SearchResult:
    probe: StepResult
    steps: list[StepResult]
    verdicts: list[str]  # "ok" or why the step is degraded
    p99_limit_ms: float
    sustainable: StepResult | None

    def summary(self) -> dict[str, Any]:
        return {
            "probe": self.probe.summary(),
            "p99_limit_ms": round(self.p99_limit_ms, 2) if math.isfinite(self.p99_limit_ms) else None,
            "steps": [
                {**step.summary(), "verdict": verdict}
                for step, verdict in zip(self.steps, self.verdicts, strict=True)
            ],
            "sustainable": self.sustainable.summary() if self.sustainable else None,
        }


class StepMeter(Protocol):
    """Measures something else over each step (e.g. the server's CPU); its figures join the step's."""

    def start(self) -> None: ...

    def stop(self) -> dict[str, Any]: ...


def verdict(step: StepResult, plan: SearchPlan, p99_limit_ms: float) -> str:
    if step.error_rate > plan.max_error_rate:
        return f"errors {step.error_rate:.1%}"
    if step.offered_rate and step.throughput < plan.min_delivery * step.offered_rate:
        return f"throughput {step.throughput:.1f}/s < {plan.min_delivery:.0%} of offered"
    if step.p99_ms > p99_limit_ms:
        return f"p99 {step.p99_ms:.1f} ms > {p99_limit_ms:.1f} ms"
    return "ok"


async def find_sustainable(
    client: Http1Client,
    factory: RequestFactory,
    plan: SearchPlan,
    on_step: Callable[[StepResult, str], None] | None = None,
    meter: StepMeter | None = None,
) -> SearchResult:
    """Probe capacity closed-loop, then step the open-loop rate up until p99 or errors degrade.

    The first step offers a light `start_fraction` of the probe's throughput (if even it fails on
    errors or delivery, the rate is halved and it is tried again). The lowest p99 of the good steps
    so far is the reference: a step is degraded when its p99 exceeds `p99_factor` times it (and it by
    `p99_slack_ms`). A step degraded by its p99 alone is measured once more (up to `max_rechecks`
    times per search) and counts as degraded only if it degrades again. The rate grows by `growth`
    per step until a step is degraded, then is bisected between the last good and the first bad
    rate. The sustainable rate is the highest good step.
    """
    probe = await closed_loop(
        http_operation(client, factory, plan.timeout),
        concurrency=plan.probe_concurrency,
        duration=plan.probe_seconds,
        max_operations=plan.probe_max_requests,
    )
    rate = max(plan.min_rate, probe.throughput * plan.start_fraction)
    steps: list[StepResult] = []
    verdicts: list[str] = []
    reference: float | None = None  # the best p99 of the good steps so far
    good: StepResult | None = None
    bad_rate: float | None = None
    rechecks = 0
    for _ in range(plan.max_steps):
        step = await _measured_step(client, factory, plan, rate, meter)
        outcome = verdict(step, plan, _p99_limit(plan, reference))
        if outcome.startswith("p99") and reference is not None and rechecks < plan.max_rechecks:
            # A p99 over a few seconds rests on a handful of requests: one stall of the machine
            # (another VM, a checkpoint) decides it. Such a step counts as degraded only if the same
            # rate degrades again.
            rechecks += 1
            steps.append(step)
            verdicts.append(f"{outcome}; measured again")
            if on_step is not None:
                on_step(step, verdicts[-1])
            await asyncio.sleep(0.3)
            step = await _measured_step(client, factory, plan, rate, meter)
            outcome = verdict(step, plan, _p99_limit(plan, reference))
        steps.append(step)
        verdicts.append(outcome)
        if on_step is not None:
            on_step(step, outcome)
        if reference is None and outcome != "ok":
            if rate <= plan.min_rate:
                break
            rate = max(plan.min_rate, rate / 2)  # even the reference step failed: start lower
            continue
        if outcome == "ok":
            # A hiccup in one light step must not make the limit lenient for the rest.
            reference = step.p99_ms if reference is None else min(reference, step.p99_ms)
            good = step if good is None or rate > (good.offered_rate or 0) else good
        else:
            bad_rate = rate if bad_rate is None else min(bad_rate, rate)
        if bad_rate is None:
            rate *= plan.growth
        else:
            low = (good.offered_rate or plan.min_rate) if good is not None else plan.min_rate
            if bad_rate / low <= plan.resolution:
                break
            rate = math.sqrt(low * bad_rate)
        await asyncio.sleep(0.3)  # let the server settle between steps
    return SearchResult(probe, steps, verdicts, _p99_limit(plan, reference), good)


def _p99_limit(plan: SearchPlan, reference: float | None) -> float:
    if reference is None:
        return math.inf
    return max(plan.p99_factor * reference, reference + plan.p99_slack_ms)


async def _measured_step(
    client: Http1Client,
    factory: RequestFactory,
    plan: SearchPlan,
    rate: float,
    meter: StepMeter | None,
) -> StepResult:
    # Slow scenarios get longer steps, so that a p99 rests on enough requests.
    duration = min(max(plan.step_seconds, plan.min_requests_per_step / rate), plan.max_step_seconds)
    if meter is not None:
        meter.start()
    step = await open_loop(
        client,
        factory,
        rate=rate,
        duration=duration,
        max_requests=plan.max_requests_per_step,
        timeout=plan.timeout,
    )
    if meter is not None:
        step.extra.update(meter.stop())
    return step
