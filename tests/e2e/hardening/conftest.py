"""Servers and clients for the hardening tests against real `icct26 serve` processes."""

from __future__ import annotations

import os

import pytest
import redis


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except (redis.RedisError, OSError) as exc:
        pytest.skip(f"Redis is not reachable at {url} ({type(exc).__name__}); set TEST_REDIS_URL to run")
    return url
