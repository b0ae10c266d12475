"""Run a request at most once per Idempotency-Key, and answer repeats with the first answer."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim, IdempotencyStore

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's request finished before: answer with what it left (`IdempotencyEntry.answer`)."""

    answer: bytes


class IdempotencyService:
    """Claims a key before the work starts; keeps the final answer unless it is a server error.

    - new key: `begin` claims it; the caller runs the request and `finish`es with its answer (4xx
      included), kept for `ttl`, or `abandon`s it (5xx, exception), so a retry runs afresh;
    - same key, same fingerprint, finished: `begin` returns the stored answer as a `Replay`;
    - same key still running elsewhere: poll for up to `wait_seconds`, then IDEMPOTENCY_IN_PROGRESS;
    - same key, other fingerprint: IDEMPOTENCY_KEY_REUSED;
    - a claim older than `lease` belongs to a request that died with its process and is taken over.

    A use case may record its answer in the transaction of its change (`IdempotentAnswers`), so even
    a process that dies between its commit and its reply leaves the answer for the retry; the caller
    then finishes with `answer=None`.
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

    async def begin(self, scope: str, key: str, fingerprint: str) -> IdempotencyClaim | Replay:
        """Claim the key for this request, or the earlier request's answer to replay."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        while True:
            now = self._clock()
            claimed = await self._store.claim(
                scope, key, fingerprint, now=now, expires_at=now + self._ttl, stale_before=now - self._lease
            )
            if claimed:
                return IdempotencyClaim(scope, key, now)
            entry = await self._store.find(scope, key, now=self._clock())
            if entry is None:
                continue  # released or expired since the claim attempt: claim it again
            if entry.fingerprint != fingerprint:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used for a different request; "
                    "send a new key for new content",
                )
            if entry.answer is not None:
                return Replay(entry.answer)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                    "The same request is still being processed; try again in a few seconds",
                    retry_after=max(1, math.ceil(self._wait_seconds / 2)),
                )
            await asyncio.sleep(min(self._poll_seconds, remaining))

    async def finish(self, claim: IdempotencyClaim, answer: bytes | None) -> None:
        """Keep `answer` for repeats; None when the use case recorded it with its change."""
        if answer is None:
            return
        try:
            await self._store.complete(claim.scope, claim.key, answer, claimed_at=claim.claimed_at)
        except Exception:
            # The work is done, but a repeat now waits out the lease and then runs afresh.
            logger.exception("could not store the idempotent answer for scope {}", claim.scope)

    async def abandon(self, claim: IdempotencyClaim) -> None:
        """Let go of the key (server error or exception): a retry runs the request afresh."""
        try:
            await self._store.release(claim.scope, claim.key, claimed_at=claim.claimed_at)
        except Exception:
            logger.exception("could not release an idempotency claim for scope {}", claim.scope)

    async def purge_expired(self) -> int:
        """Delete expired keys (`icct26 idempotency purge`)."""
        return await self._store.purge_expired(now=self._clock())
