"""Redis rate limiter: every app instance shares the counts, so a limit holds across instances.

A fixed window per key that starts with the key's first hit: one Lua script increments the counter and
sets its expiry atomically, so concurrent hits from any number of processes never exceed the limit.
If Redis is unreachable the limiter lets requests through (logged, at most every few seconds): losing
rate limiting for a while is better than refusing every registration.
"""

from __future__ import annotations

import math
import time

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from icct26.config import mask_url
from icct26.domain.ports import RateDecision

# KEYS[1] counter; ARGV[1] window in ms. Returns {hits, ms until the window resets}.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""
_WARN_EVERY_SECONDS = 30.0


class RedisRateLimiter:
    name = "redis"

    def __init__(self, url: str, *, prefix: str = "icct26:", timeout_seconds: float = 0.5) -> None:
        self._url = url
        self._prefix = prefix
        self._client: Redis[bytes] = Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._script = self._client.register_script(_HIT)
        self._last_warning = -math.inf

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        try:
            hits, ttl_ms = await self._script(keys=[self._prefix + key], args=[window_seconds * 1000])
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return RateDecision(allowed=True, remaining=limit, reset_after=window_seconds)
        hits, ttl_ms = int(hits), int(ttl_ms)
        return RateDecision(
            allowed=hits <= limit,
            remaining=max(0, limit - hits),
            reset_after=max(1, math.ceil(ttl_ms / 1000)),
        )

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "rate limiting is off: Redis at {} is unavailable ({})",
                mask_url(self._url),
                type(exc).__name__,
            )

    async def close(self) -> None:
        await self._client.aclose()  # type: ignore[attr-defined]  # stubs predate redis 5
