"""Rate limits in real server processes: quotas, headers, proxies, concurrency, several instances."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.addresses import FRONTEND_ORIGIN as ORIGIN
from tests.support.addresses import unique_ip
from tests.support.server import ServerProcess, running_server

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One instance behind a trusted proxy at 127.0.0.1 (any other loopback address is a direct client)."""
    with running_server(
        database_url,
        tmp_path_factory.mktemp("rate-limited"),
        RATE_LIMIT_ENABLED="true",
        FORWARDED_ALLOW_IPS="127.0.0.1",
        CORS_ORIGINS=ORIGIN,
    ) as process:
        yield process


def client_from(server: ServerProcess, local_address: str = "127.0.0.1", **headers: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=local_address)
    return httpx.AsyncClient(base_url=server.url, transport=transport, headers=headers, timeout=30)


def remaining(resp: httpx.Response) -> int:
    """`r` of the `RateLimit` header: `"default";r=42;t=17`."""
    params = dict(p.split("=", 1) for p in resp.headers["ratelimit"].split(";")[1:])
    return int(params["r"])


async def test_101st_request_in_a_minute_is_refused_with_retry_after_and_cors(server: ServerProcess) -> None:
    async with client_from(server, **{"X-Forwarded-For": unique_ip(), "Origin": ORIGIN}) as client:
        first = await client.get("/_probe/sleep", params={"seconds": 0})
        assert first.status_code == 200
        assert first.headers["ratelimit-policy"] == '"default";q=100;w=60'
        assert remaining(first) == 99
        for _ in range(99):
            ok = await client.get("/_probe/sleep", params={"seconds": 0})
            assert ok.status_code == 200, ok.text
        assert remaining(ok) == 0

        refused = await client.get("/_probe/sleep", params={"seconds": 0})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        body = refused.json()
        assert body["error_code"] == "RATE_LIMIT_EXCEEDED" and body["success"] is False
        assert body["request_id"] == refused.headers["x-request-id"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["access-control-allow-origin"] == ORIGIN
        assert "retry-after" in refused.headers["access-control-expose-headers"]
        assert remaining(refused) == 0

        # Not counted, so still answered while the quota is spent.
        assert (await client.get("/health/live")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
        preflight = await client.options("/_probe/sleep", headers={"Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204


async def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_reset_the_quota(
    server: ServerProcess,
) -> None:
    # 127.0.0.2 is not in FORWARDED_ALLOW_IPS: whatever it claims, it is counted as itself.
    async with client_from(server, local_address="127.0.0.2") as client:
        statuses = []
        for _ in range(101):
            resp = await client.get(
                "/_probe/sleep", params={"seconds": 0}, headers={"X-Forwarded-For": unique_ip()}
            )
            statuses.append(resp.status_code)
    assert statuses[:100] == [200] * 100
    assert statuses[100] == 429

    # Through the trusted proxy, the forwarded address is the client: a fresh quota.
    async with client_from(server, **{"X-Forwarded-For": f"{unique_ip()}, 127.0.0.1"}) as proxied:
        resp = await proxied.get("/_probe/sleep", params={"seconds": 0})
    assert resp.status_code == 200 and remaining(resp) == 99


async def test_twenty_concurrent_registrations_against_a_limit_of_ten_let_ten_through(
    server: ServerProcess,
) -> None:
    async with client_from(server, **{"X-Forwarded-For": unique_ip()}) as client:
        responses = await asyncio.gather(*(client.post("/api/register/team", content=b"") for _ in range(20)))
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == 10, [r.status_code for r in responses]
    assert all(r.headers["ratelimit-policy"] == '"registration";q=10;w=60' for r in responses)


def _redis_server(database_url: str, data_dir: Path, redis_url: str) -> ServerProcess:
    return ServerProcess(
        database_url,
        data_dir,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_STORE="redis",
        REDIS_URL=redis_url,
        RATE_LIMIT_DEFAULT_PER_MINUTE="10",
        FORWARDED_ALLOW_IPS="127.0.0.1",
    )


@pytest.fixture(scope="module")
def redis_pair(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    first = _redis_server(database_url, tmp_path_factory.mktemp("redis-a"), redis_url).start()
    try:
        second = _redis_server(database_url, tmp_path_factory.mktemp("redis-b"), redis_url).start()
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


async def test_two_instances_sharing_redis_enforce_one_limit(
    redis_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    ip = unique_ip()
    async with (
        client_from(redis_pair[0], **{"X-Forwarded-For": ip}) as a,
        client_from(redis_pair[1], **{"X-Forwarded-For": ip}) as b,
    ):
        statuses = [
            (await (a if i % 2 else b).get("/_probe/sleep", params={"seconds": 0})).status_code
            for i in range(12)
        ]
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


async def test_twenty_concurrent_requests_across_two_instances_let_ten_through(
    redis_pair: tuple[ServerProcess, ServerProcess],
) -> None:
    ip = unique_ip()
    async with (
        client_from(redis_pair[0], **{"X-Forwarded-For": ip}) as a,
        client_from(redis_pair[1], **{"X-Forwarded-For": ip}) as b,
    ):
        responses = await asyncio.gather(
            *((a if i % 2 else b).get("/_probe/sleep", params={"seconds": 0}) for i in range(20))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 10
