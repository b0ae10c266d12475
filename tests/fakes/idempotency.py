"""IdempotentAnswers: answers recorded in the transaction of their change, under a live claim."""

from __future__ import annotations

from datetime import datetime

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim

ClaimKey = tuple[str, str]  # (scope, key)


class FakeIdempotentAnswers:
    """`claims` maps (scope, key) to the `claimed_at` of the request holding it (the claim itself is
    committed before the use case runs); `answers` receives what that request recorded."""

    def __init__(self, claims: dict[ClaimKey, datetime], answers: dict[ClaimKey, bytes]) -> None:
        self._claims = claims
        self._answers = answers

    async def record(self, claim: IdempotencyClaim, answer: bytes) -> None:
        if self._claims.get((claim.scope, claim.key)) != claim.claimed_at:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                "The same request is being processed by a later attempt; try again in a few seconds",
                retry_after=1,
            )
        self._answers[(claim.scope, claim.key)] = answer
