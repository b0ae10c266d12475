"""The rate-limiter port: count hits per key in a window; adapters keep the counts (memory, Redis)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int  # hits still allowed in the current window
    reset_after: int  # whole seconds until the window resets (the Retry-After of a refusal)


class RateLimiter(Protocol):
    """Counts a hit on `key` and says whether it fits in `limit` hits per `window_seconds`.

    Every app instance must share the counts for a limit to hold across instances (Redis store).
    """

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision: ...
