"""Idempotent requests: which keys are valid, what identifies a request, and where outcomes are kept.

Captains on flaky networks retry; the frontend resends the same `Idempotency-Key`. A repeat with the
same payload must get the first answer back instead of causing a second registration, and the
answers live in a store shared by every app process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


def request_fingerprint(fields: Mapping[str, str], files: Mapping[str, str] | None = None) -> str:
    """sha256 over the sorted text fields and the sha256 of every file, in one unambiguous encoding.

    Two requests with the same fields and the same file contents have the same fingerprint,
    whatever order their parts came in.
    """
    canonical = json.dumps(
        {"fields": sorted(fields.items()), "files": sorted((files or {}).items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def body_fingerprint(body: bytes) -> str:
    """Fingerprint of a raw request body (JSON endpoints)."""
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class SavedResponse:
    """The final answer to a request: replayed verbatim for a repeat of it."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """An answer its use case already committed under the request's claim, in the transaction of its
    change (`IdempotentAnswers.record`): nothing is left to store after it."""

    response: SavedResponse


Outcome = SavedResponse | RecordedResponse


def response_of(outcome: Outcome) -> SavedResponse:
    return outcome.response if isinstance(outcome, RecordedResponse) else outcome


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """A request's hold on its key; `claimed_at` tells it apart from a later takeover of the key."""

    scope: str
    key: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyEntry:
    fingerprint: str
    response: SavedResponse | None  # None while the first request is still running


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

    async def complete(self, scope: str, key: str, response: SavedResponse, *, claimed_at: datetime) -> None:
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

    async def record(self, claim: IdempotencyClaim, response: SavedResponse) -> None:
        """Store `response` for `claim` in the current transaction.

        Raises IDEMPOTENCY_IN_PROGRESS when the claim is no longer this request's (it outlived its
        lease and another attempt took the key over), so the caller rolls its change back.
        """
        ...
