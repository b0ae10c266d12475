"""Circuit breakers and retry policies: the one place that decides how we fail fast and try again.

- `BreakerRegistry` holds one aiobreaker `CircuitBreaker` per remote dependency, keyed by name
  ("smtp", "storage:s3", "storage:cloudinary"). Its states feed `/health` and `/metrics`. aiobreaker
  is imported by the first breaker: importing it imports its Redis storage, so the Redis client and
  `cryptography` (~10 MiB), which a worker with local storage and file mail never needs.
- `RetryPolicy` wraps tenacity for short, in-process retries of transient failures.
- `Backoff` is the schedule of the durable retries (outbox emails retried across worker rounds).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from loguru import logger
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from icct26.adapters.db.errors import is_database_unavailable

if TYPE_CHECKING:
    from aiobreaker import CircuitBreaker

P = ParamSpec("P")
T = TypeVar("T")
BreakerStateName = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[BreakerStateName, int] = {"closed": 0, "half_open": 1, "open": 2}


class BreakerOpenError(Exception):
    """A call was refused (or just tripped the breaker) because the dependency keeps failing.

    `tripped` is True when this very call reached the dependency and its failure opened the
    breaker; False when the call was refused without touching the dependency.
    """

    def __init__(self, name: str, retry_at: datetime, *, tripped: bool, cause: BaseException | None) -> None:
        super().__init__(f"circuit breaker {name!r} is open until {retry_at.isoformat()}")
        self.name = name
        self.retry_at = retry_at
        self.tripped = tripped
        self.cause = cause


class _StateLog:
    """Logs every change and remembers when the breaker last opened (aiobreaker keeps that in its
    private storage only). aiobreaker calls all four listener methods."""

    def __init__(self) -> None:
        self.opened_at: datetime | None = None

    def before_call(self, breaker: CircuitBreaker, func: Any, *args: Any, **kwargs: Any) -> None:
        pass

    def success(self, breaker: CircuitBreaker) -> None:
        pass

    def failure(self, breaker: CircuitBreaker, exception: BaseException) -> None:
        pass

    def state_change(self, breaker: CircuitBreaker, old: Any, new: Any) -> None:
        old_name = _state_name(old.state) if old is not None else "closed"
        if _state_name(new.state) == "open":
            self.opened_at = datetime.now(UTC)
        logger.warning(
            "circuit breaker {} changed from {} to {}", breaker.name, old_name, _state_name(new.state)
        )


_STATE_NAMES: dict[str, BreakerStateName] = {"OPEN": "open", "HALF_OPEN": "half_open", "CLOSED": "closed"}


def _state_name(state: Any) -> BreakerStateName:
    """The name of an aiobreaker `CircuitBreakerState` member."""
    return _STATE_NAMES[state.name]


class Breaker:
    """One named circuit breaker. Failures of excluded kinds (e.g. "no such key") do not count."""

    def __init__(
        self,
        name: str,
        *,
        fail_max: int,
        reset_seconds: float,
        exclude: Iterable[type[BaseException] | Callable[[BaseException], bool]] = (),
    ) -> None:
        self.name = name
        self.reset = timedelta(seconds=reset_seconds)
        self._log = _StateLog()
        from aiobreaker import CircuitBreaker

        self._breaker = CircuitBreaker(
            fail_max=fail_max,
            timeout_duration=self.reset,
            exclude=list(exclude),
            listeners=[self._log],
            name=name,
        )

    @property
    def state(self) -> BreakerStateName:
        return _state_name(self._breaker.current_state)

    @property
    def failures(self) -> int:
        return int(self._breaker.fail_counter)

    @property
    def fail_max(self) -> int:
        return int(self._breaker.fail_max)

    def retry_at(self) -> datetime:
        """When an open breaker lets the next trial call through (now when closed)."""
        opened = self._log.opened_at
        if self.state != "open" or opened is None:
            return datetime.now(UTC)
        return opened + self.reset

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn` through the breaker; raise `BreakerOpenError` instead of calling it while open."""
        from aiobreaker import CircuitBreakerError  # imported with the breaker already

        try:
            result: T = await self._breaker.call_async(fn, *args, **kwargs)
        except CircuitBreakerError as exc:
            cause = exc.__cause__
            raise BreakerOpenError(
                self.name, self.retry_at(), tripped=cause is not None, cause=cause
            ) from cause
        return result

    def reset_now(self) -> None:
        """Close the breaker (operators and tests)."""
        self._breaker.close()


@dataclass
class BreakerRegistry:
    """Every breaker of the process, by name; read by health and metrics."""

    _breakers: dict[str, Breaker] = field(default_factory=dict)

    def get(
        self,
        name: str,
        *,
        fail_max: int,
        reset_seconds: float,
        exclude: Iterable[type[BaseException] | Callable[[BaseException], bool]] = (),
    ) -> Breaker:
        """The breaker called `name`, created on first use (later settings for the same name are ignored)."""
        breaker = self._breakers.get(name)
        if breaker is None:
            breaker = Breaker(name, fail_max=fail_max, reset_seconds=reset_seconds, exclude=exclude)
            self._breakers[name] = breaker
        return breaker

    def __getitem__(self, name: str) -> Breaker:
        return self._breakers[name]

    def __contains__(self, name: object) -> bool:
        return name in self._breakers

    def __iter__(self) -> Iterator[Breaker]:
        return iter(list(self._breakers.values()))

    def states(self) -> dict[str, BreakerStateName]:
        """`{"smtp": "closed", "storage:s3": "open", ...}` for `/health` details."""
        return {b.name: b.state for b in self}


class BreakerMetricsCollector:
    """A prometheus_client collector exposing every breaker's state and consecutive failures.

    Register once: `prometheus_client.REGISTRY.register(BreakerMetricsCollector(container.breakers))`.
    """

    def __init__(self, registry: BreakerRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        state = GaugeMetricFamily(
            "icct26_circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open",
            labels=["name"],
        )
        failures = GaugeMetricFamily(
            "icct26_circuit_breaker_failures",
            "Consecutive failures counted by the circuit breaker",
            labels=["name"],
        )
        for breaker in self._registry:
            state.add_metric([breaker.name], STATE_VALUES[breaker.state])
            failures.add_metric([breaker.name], breaker.failures)
        yield state
        yield failures


# --- retries ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A short in-process retry of transient failures (tenacity), exponential wait between tries."""

    name: str
    attempts: int
    retry_on: Callable[[BaseException], bool]
    initial_wait: float = 0.1
    max_wait: float = 2.0

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.initial_wait, max=self.max_wait),
            retry=retry_if_exception(self.retry_on),
            reraise=True,
            before_sleep=self._log_retry,
        )

    def _log_retry(self, state: Any) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        logger.info("retrying {} after attempt {}: {}", self.name, state.attempt_number, type(error).__name__)

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        async for attempt in self.retrying():
            with attempt:
                return await fn(*args, **kwargs)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover


def is_smtp_connect_failure(exc: BaseException) -> bool:
    """Nothing was handed to the server yet, so trying again cannot send a message twice."""
    from aiosmtplib import SMTPConnectError, SMTPConnectResponseError, SMTPConnectTimeoutError

    return isinstance(exc, (SMTPConnectError, SMTPConnectTimeoutError, SMTPConnectResponseError))


def smtp_connect_retry(attempts: int = 2) -> RetryPolicy:
    """Retry an SMTP delivery whose connection could not be established (refused, timed out)."""
    return RetryPolicy("smtp connect", attempts, is_smtp_connect_failure, initial_wait=0.2, max_wait=1.0)


def storage_retry(retry_on: Callable[[BaseException], bool], attempts: int = 2) -> RetryPolicy:
    """One quick retry of an idempotent storage call (put under the same key, read, delete, list)."""
    return RetryPolicy("storage", attempts, retry_on, initial_wait=0.1, max_wait=0.5)


def outbox_bookkeeping_retry(attempts: int = 6) -> RetryPolicy:
    """Recording an outbox outcome survives a database blip (~10 s); the updates are idempotent.

    Losing the "sent" mark would let the lease expire and the email go out twice.
    """
    return RetryPolicy(
        "outbox bookkeeping", attempts, is_database_unavailable, initial_wait=0.25, max_wait=4.0
    )


def database_read_retry(attempts: int = 3) -> RetryPolicy:
    """Retry a database call whose connection failed, for calls that cannot have committed anything:
    a unit of work taking its connection (`adapters/db/uow.py`), or a read.

    Never wrap a call that may have reached COMMIT: a lost acknowledgement would run it twice.
    """
    return RetryPolicy("database read", attempts, is_database_unavailable, initial_wait=0.1, max_wait=1.0)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Durable retry schedule: `base * 2**(attempt-1)`, capped at `cap` seconds."""

    base_seconds: float
    cap_seconds: float

    def delay(self, attempt: int) -> timedelta:
        exponent = max(attempt - 1, 0)
        seconds = self.base_seconds * (2 ** min(exponent, 32))
        return timedelta(seconds=min(seconds, self.cap_seconds))
