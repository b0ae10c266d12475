"""The Redis rate-limit store against a real Redis: shared, atomic counts; fail-open when Redis is gone."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis

from icct26.adapters.ratelimit.redis import RedisRateLimiter
from tests.support.server import free_port

pytestmark = pytest.mark.asyncio

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return True
    except (redis.RedisError, OSError):
        return False


requires_redis = pytest.mark.skipif(
    not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}; set TEST_REDIS_URL to run"
)


@pytest_asyncio.fixture
async def limiters() -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    """Two limiters with their own connections, like two app instances."""
    first, second = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def key() -> str:
    return f"test:{secrets.token_hex(8)}"


@requires_redis
async def test_counts_hits_and_refuses_past_the_limit(
    limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    limiter, _ = limiters
    k = key()
    decisions = [await limiter.hit(k, 3, 60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert all(1 <= d.reset_after <= 60 for d in decisions)


@requires_redis
async def test_instances_share_one_count(limiters: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    a, b = limiters
    k = key()
    assert (await a.hit(k, 2, 60)).allowed
    assert (await b.hit(k, 2, 60)).allowed
    assert not (await a.hit(k, 2, 60)).allowed
    assert not (await b.hit(k, 2, 60)).allowed


@requires_redis
async def test_concurrent_hits_never_exceed_the_limit(
    limiters: tuple[RedisRateLimiter, RedisRateLimiter],
) -> None:
    a, b = limiters
    k = key()
    decisions = await asyncio.gather(*((a if i % 2 else b).hit(k, 10, 60) for i in range(50)))
    assert sum(d.allowed for d in decisions) == 10


@requires_redis
async def test_the_window_expires_with_the_key() -> None:
    limiter = RedisRateLimiter(REDIS_URL)
    try:
        k = key()
        await limiter.hit(k, 1, 60)
        ttl = redis.Redis.from_url(REDIS_URL).pttl("icct26:" + k)
        assert 0 < ttl <= 60_000
    finally:
        await limiter.close()


async def test_unreachable_redis_lets_requests_through() -> None:
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    try:
        decision = await limiter.hit(key(), 5, 60)
    finally:
        await limiter.close()
    assert decision.allowed and decision.remaining == 5
