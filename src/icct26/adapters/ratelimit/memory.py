"""In-process fixed-window rate limiter (one app instance; use the Redis store for several)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from icct26.domain.ports import RateDecision

# Expired windows are dropped every so many hits, so memory follows the active keys only.
_SWEEP_EVERY = 1024


class MemoryRateLimiter:
    name = "memory"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, hits)
        self._hits_since_sweep = 0

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        # No await between read and write: atomic within the event loop.
        now = self._clock()
        self._maybe_sweep(now)
        ends, count = self._windows.get(key, (0.0, 0))
        if now >= ends:
            ends, count = now + window_seconds, 0
        count += 1
        self._windows[key] = (ends, count)
        reset_after = max(1, math.ceil(ends - now))
        return RateDecision(allowed=count <= limit, remaining=max(0, limit - count), reset_after=reset_after)

    def _maybe_sweep(self, now: float) -> None:
        self._hits_since_sweep += 1
        if self._hits_since_sweep < _SWEEP_EVERY:
            return
        self._hits_since_sweep = 0
        self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
