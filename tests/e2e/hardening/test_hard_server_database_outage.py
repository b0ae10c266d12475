"""PostgreSQL going away under a running server: 503s that say so (never 500), then recovery by itself."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.addresses import FRONTEND_ORIGIN as ORIGIN
from tests.support.server import ServerProcess
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def eventually_ok(client: httpx.AsyncClient, path: str, attempts: int = 50) -> httpx.Response:
    """Poll until 200; bounded by attempts, not by a clock assertion."""
    resp = await client.get(path)
    for _ in range(attempts):
        if resp.status_code == 200:
            break
        await asyncio.sleep(0.2)
        resp = await client.get(path)
    return resp


async def test_database_outage_answers_503_and_recovers_without_restart(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    proxy = TcpProxy(database_url)
    await proxy.start()
    server = ServerProcess(
        proxy.url, tmp_path_factory.mktemp("db-outage"), CORS_ORIGINS=ORIGIN, DB_CONNECT_TIMEOUT_SECONDS="2"
    )
    try:
        await server.astart()
        async with httpx.AsyncClient(base_url=server.url, headers={"Origin": ORIGIN}, timeout=30) as client:
            assert (await client.get("/health/ready")).status_code == 200
            assert (await client.get("/_probe/db")).status_code == 200  # the pool now holds a connection

            await proxy.cut()
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["error_code"] == "DATABASE_UNAVAILABLE"
            for _ in range(3):  # pooled connection dropped, then refused new connections
                api = await client.get("/_probe/db")
                assert api.status_code == 503, api.text
                assert api.json()["error_code"] == "DATABASE_UNAVAILABLE"
                assert api.headers["retry-after"]
                assert api.headers["access-control-allow-origin"] == ORIGIN
            health = await client.get("/health")
            assert health.status_code == 503 and health.json()["database"] == "unavailable"
            scrape = await client.get("/metrics")
            assert scrape.status_code == 200 and "icct26_database_up 0.0" in scrape.text

            await proxy.start()  # the database is back on the same address
            assert (await eventually_ok(client, "/health/ready")).status_code == 200
            recovered = await eventually_ok(client, "/_probe/db")
            assert recovered.status_code == 200, recovered.text
            scrape = await client.get("/metrics")
            assert 'route="/_probe/db",status="500"' not in scrape.text
        assert "Traceback" not in server.log()
    finally:
        assert await server.astop() == 0
        await proxy.cut()


async def test_connection_lost_during_a_transaction_answers_503_and_saves_nothing(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    proxy = TcpProxy(database_url)
    await proxy.start()
    server = ServerProcess(proxy.url, tmp_path_factory.mktemp("db-lost"), DB_CONNECT_TIMEOUT_SECONDS="2")
    try:
        await server.astart()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            pending = asyncio.create_task(
                client.post("/_probe/write-then-sleep", params={"name": "Lost Church", "seconds": 10})
            )
            await asyncio.sleep(0.5)  # let it insert and start waiting inside its transaction
            await proxy.cut()
            resp = await pending
            assert resp.status_code == 503, resp.text
            assert resp.json()["error_code"] == "DATABASE_UNAVAILABLE"

            await proxy.start()
            assert (await eventually_ok(client, "/_probe/db")).json() == {"churches": 0}
        assert "Traceback" not in server.log()
    finally:
        assert await server.astop() == 0
        await proxy.cut()
