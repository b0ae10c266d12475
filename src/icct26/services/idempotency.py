"""Run a request at most once per Idempotency-Key, and answer repeats with the first answer."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import (
    IdempotencyClaim,
    IdempotencyStore,
    Outcome,
    RecordedResponse,
    SavedResponse,
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IdempotentResult:
    response: SavedResponse
    replayed: bool


class IdempotencyService:
    """Claims a key before the work starts; stores the final answer unless it is a server error.

    - new key: run `produce`, keep its answer (4xx included) for `ttl`;
    - same key, same fingerprint, finished: the stored answer (`replayed=True`), nothing re-runs;
    - same key still running elsewhere: poll for up to `wait_seconds`, then IDEMPOTENCY_IN_PROGRESS;
    - same key, other fingerprint: IDEMPOTENCY_KEY_REUSED;
    - 5xx answers and exceptions release the claim, so a retry runs the request afresh;
    - a claim older than `lease` belongs to a request that died with its process and is taken over.

    `execute_claimed` hands the claim to `produce`, so a use case can record its answer in the same
    transaction as its change (`IdempotentAnswers`): then even a process that dies between its commit
    and its reply leaves the answer for the retry. Such a `produce` returns a `RecordedResponse`,
    and no second write follows.
    """

    def __init__(
        self,
        store: IdempotencyStore,
        *,
        ttl: timedelta,
        wait_seconds: float,
        lease: timedelta,
        poll_seconds: float = 0.1,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._wait_seconds = wait_seconds
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._clock = clock

    async def execute(
        self, scope: str, key: str, fingerprint: str, produce: Callable[[], Awaitable[SavedResponse]]
    ) -> IdempotentResult:
        return await self.execute_claimed(scope, key, fingerprint, lambda _claim: produce())

    async def execute_claimed(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        produce: Callable[[IdempotencyClaim], Awaitable[Outcome]],
    ) -> IdempotentResult:
        """`execute`, with `produce` given the claim it runs under."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        while True:
            now = self._clock()
            claimed = await self._store.claim(
                scope, key, fingerprint, now=now, expires_at=now + self._ttl, stale_before=now - self._lease
            )
            if claimed:
                claim = IdempotencyClaim(scope, key, now)
                return IdempotentResult(await self._run(claim, produce), replayed=False)
            entry = await self._store.find(scope, key, now=self._clock())
            if entry is None:
                continue  # released or expired since the claim attempt: claim it again
            if entry.fingerprint != fingerprint:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used for a different request; "
                    "send a new key for new content",
                )
            if entry.response is not None:
                return IdempotentResult(entry.response, replayed=True)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                    "The same request is still being processed; try again in a few seconds",
                    retry_after=max(1, math.ceil(self._wait_seconds / 2)),
                )
            await asyncio.sleep(min(self._poll_seconds, remaining))

    async def _run(
        self, claim: IdempotencyClaim, produce: Callable[[IdempotencyClaim], Awaitable[Outcome]]
    ) -> SavedResponse:
        scope, key, claimed_at = claim.scope, claim.key, claim.claimed_at
        try:
            outcome = await produce(claim)
        except BaseException:
            # Shielded: a cancelled request (timeout, disconnect) must still let go of its key.
            await asyncio.shield(self._release(scope, key, claimed_at))
            raise
        if isinstance(outcome, RecordedResponse):
            return outcome.response  # committed with the change
        response = outcome
        if response.status >= 500:
            await self._release(scope, key, claimed_at)
            return response
        try:
            await self._store.complete(scope, key, response, claimed_at=claimed_at)
        except Exception:
            # The work is done, but a repeat now waits out the lease and then runs afresh.
            logger.exception("could not store the idempotent response for scope {}", scope)
        return response

    async def _release(self, scope: str, key: str, claimed_at: datetime) -> None:
        try:
            await self._store.release(scope, key, claimed_at=claimed_at)
        except Exception:
            logger.exception("could not release an idempotency claim for scope {}", scope)

    async def purge_expired(self) -> int:
        """Delete expired keys (`icct26 idempotency purge`)."""
        return await self._store.purge_expired(now=self._clock())
