"""Idempotent requests: which keys are valid, what identifies a request, and where outcomes are kept.

Captains on flaky networks retry; the frontend resends the same `Idempotency-Key`. A repeat with the
same payload must get the first answer back instead of causing a second registration, and the
answers live in a store shared by every app process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from icct26.domain.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 255


def check_idempotency_key(raw: str) -> str:
    """The key as sent: 1-255 printable ASCII characters, else IDEMPOTENCY_KEY_INVALID."""
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in raw):
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_INVALID,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
        )
    return raw


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """A request's hold on its key; `claimed_at` tells it apart from a later takeover of the key."""

    scope: str
    key: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyEntry:
    fingerprint: str
    # The finished request's answer, opaque here: read back only by the adapter that wrote it (or
    # whose use case recorded it). None while the first request is still running.
    answer: bytes | None


class IdempotencyStore(Protocol):
    """Keys and outcomes, shared by all processes. Every method is its own committed transaction."""

    async def claim(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        *,
        now: datetime,
        expires_at: datetime,
        stale_before: datetime,
    ) -> bool:
        """Take the key for this request, claimed at `now`. True when it was free, expired, or held by
        a claim last renewed before `stale_before` (its process died, or could not let go of it while
        the database was down); False when someone else holds it."""
        ...

    async def renew(self, claims: Sequence[IdempotencyClaim], *, now: datetime) -> None:
        """Mark these unfinished claims as still held at `now` (the heartbeat of running requests)."""
        ...

    async def find(self, scope: str, key: str, *, now: datetime) -> IdempotencyEntry | None:
        """The unexpired entry for the key, if any."""
        ...

    async def complete(self, scope: str, key: str, answer: bytes, *, claimed_at: datetime) -> None:
        """Record the final answer of the request that claimed the key at `claimed_at`."""
        ...

    async def release(self, scope: str, key: str, *, claimed_at: datetime) -> None:
        """Forget the unfinished claim made at `claimed_at` (its request failed: 5xx or exception)."""
        ...

    async def purge_expired(self, *, now: datetime) -> int:
        """Delete expired entries; returns how many."""
        ...


class IdempotentAnswers(Protocol):
    """Records a claimed request's answer inside the transaction that makes its change.

    The change and its answer then commit together: a process that dies right after the commit
    still leaves the answer for the client's retry, which is replayed instead of run a second time.
    """

    async def record(self, claim: IdempotencyClaim, answer: bytes) -> None:
        """Store `answer` (what the use case did, in a form its adapter can answer a repeat from) for
        `claim` in the current transaction.

        Raises IDEMPOTENCY_IN_PROGRESS when the claim is no longer this request's (it outlived its
        lease and another attempt took the key over), so the caller rolls its change back.
        """
        ...
