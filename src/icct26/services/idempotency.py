"""Run a request at most once per Idempotency-Key, and answer repeats with the first answer.

A claim is only as alive as the process that holds it: `ClaimKeeper` renews the claims of running
requests every few seconds, so a claim whose process died — or whose release the database refused
because it was down — stops being renewed and is taken over by the next retry after `lease`
(shorter than the in-flight wait). What the database refused (a release, an answer to store) is
retried on every beat until it is written, so after an outage the key is free, or holds its answer,
within a beat of the database coming back.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(slots=True)
class _Unwritten:
    """Claims whose ending the database has not taken yet: an answer to store, or a claim to drop."""

    answers: dict[IdempotencyClaim, bytes] = field(default_factory=dict)
    releases: set[IdempotencyClaim] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.answers or self.releases)


class ClaimKeeper:
    """This process's claims: renewed while their requests run, and ended even after an outage.

    One background beat per process (started on the first claim, stopped when nothing is left):
    it renews running claims and claims whose answer is waiting to be stored (so nobody runs them a
    second time), and retries the writes the database refused. A claim whose release failed is
    not renewed: if this process dies too, the lease still frees it.
    """

    def __init__(
        self, store: IdempotencyStore, *, every_seconds: float, give_up_after: timedelta, clock: Clock
    ) -> None:
        self._store = store
        self._every = every_seconds
        self._give_up_after = give_up_after
        self._clock = clock
        self._running: set[IdempotencyClaim] = set()
        self._unwritten = _Unwritten()
        self._beat: asyncio.Task[None] | None = None

    def hold(self, claim: IdempotencyClaim) -> None:
        self._running.add(claim)
        self._ensure_beat()

    def finished(self, claim: IdempotencyClaim) -> None:
        """Its outcome is written (or was never to be): stop renewing it."""
        self._running.discard(claim)

    def answer_later(self, claim: IdempotencyClaim, response: bytes) -> None:
        self._running.discard(claim)
        self._unwritten.answers[claim] = response
        self._ensure_beat()

    def release_later(self, claim: IdempotencyClaim) -> None:
        self._running.discard(claim)
        self._unwritten.releases.add(claim)
        self._ensure_beat()

    def _ensure_beat(self) -> None:
        if self._beat is None or self._beat.done():
            self._beat = asyncio.create_task(self._run(), name="idempotency-claims")

    async def _run(self) -> None:
        failing = False
        while self._running or self._unwritten:
            await asyncio.sleep(self._every)
            try:
                await self._write_unwritten()
                renewed = [*self._running, *self._unwritten.answers]
                if renewed:
                    await self._store.renew(renewed, now=self._clock())
            except Exception as exc:  # the database is down: try again next beat
                if not failing:  # once per outage, not once per beat
                    logger.warning("idempotency claims not renewed: {}", type(exc).__name__)
                failing = True
            else:
                failing = False

    async def _write_unwritten(self) -> None:
        oldest = self._clock() - self._give_up_after
        for claim, response in list(self._unwritten.answers.items()):
            if claim.claimed_at >= oldest:
                await self._store.complete(claim.scope, claim.key, response, claimed_at=claim.claimed_at)
            del self._unwritten.answers[claim]
        for claim in list(self._unwritten.releases):
            if claim.claimed_at >= oldest:
                await self._store.release(claim.scope, claim.key, claimed_at=claim.claimed_at)
            self._unwritten.releases.discard(claim)

    async def close(self) -> None:
        """Stop the beat (shutdown); unwritten claims are left to their lease."""
        if self._beat is not None and not self._beat.done():
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        self._beat = None


class IdempotencyService:
    """Claims a key before the work starts; keeps the final answer unless it is a server error.

    - new key: `begin` claims it; the caller runs the request and `finish`es with its answer (4xx
      included), kept for `ttl`, or `abandon`s it (5xx, exception), so a retry runs afresh;
    - same key, same fingerprint, finished: `begin` returns the stored answer as a `Replay`;
    - same key still running elsewhere: poll for up to `wait_seconds`, then IDEMPOTENCY_IN_PROGRESS;
    - same key, other fingerprint: IDEMPOTENCY_KEY_REUSED;
    - a claim not renewed for `lease` (see `ClaimKeeper`) is abandoned and is taken over; keep
      `lease` shorter than `wait_seconds`, so a retry after a database outage runs within its wait.

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
        renew_seconds: float | None = None,
        poll_seconds: float = 0.1,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._wait_seconds = wait_seconds
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._clock = clock
        # By default a few beats per lease, so one slow or failed renewal does not let the claim go.
        every = renew_seconds if renew_seconds is not None else lease.total_seconds() / 4
        self.claims = ClaimKeeper(store, every_seconds=every, give_up_after=ttl, clock=clock)

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
                claim = IdempotencyClaim(scope, key, now)
                self.claims.hold(claim)
                return claim
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
            self.claims.finished(claim)
            return
        try:
            await self._store.complete(claim.scope, claim.key, answer, claimed_at=claim.claimed_at)
            self.claims.finished(claim)
        except Exception:
            # The work is done: keep the claim alive and store the answer once the database takes it,
            # so a repeat is answered with it rather than run a second time.
            logger.exception("could not store the idempotent answer for scope {}", claim.scope)
            self.claims.answer_later(claim, answer)

    async def abandon(self, claim: IdempotencyClaim) -> None:
        """Let go of the key (server error or exception): a retry runs the request afresh."""
        try:
            await self._store.release(claim.scope, claim.key, claimed_at=claim.claimed_at)
            self.claims.finished(claim)
        except Exception as exc:
            logger.warning(
                "idempotency claim for scope {} not released yet: {}", claim.scope, type(exc).__name__
            )
            self.claims.release_later(claim)

    async def close(self) -> None:
        """Stop renewing claims (shutdown)."""
        await self.claims.close()

    async def purge_expired(self) -> int:
        """Delete expired keys (`icct26 idempotency purge`)."""
        return await self._store.purge_expired(now=self._clock())
