"""Readiness follows the database: 503 while it is unreachable, 200 again without a restart."""

from __future__ import annotations

import pytest

from icct26.adapters.db.engine import Database
from icct26.bootstrap import build_container_with, create_app
from icct26.config import Settings
from tests.conftest import app_client
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.asyncio


async def test_ready_is_503_when_database_unreachable_and_recovers(
    settings: Settings, database: Database
) -> None:
    proxy = TcpProxy(database.url)
    await proxy.start()
    db = Database(proxy.url, settings.database)
    container = await build_container_with(settings, db)
    try:
        async with app_client(create_app(container=container)) as client:
            assert (await client.get("/health/ready")).status_code == 200
            await proxy.cut()
            down = await client.get("/health/ready")
            assert down.status_code == 503
            assert down.json()["error_code"] == "DATABASE_UNAVAILABLE"
            health = await client.get("/health")
            assert health.json()["status"] == "degraded"
            await proxy.start()  # same port: the database is back
            up = await client.get("/health/ready")
            assert up.status_code == 200, up.text
    finally:
        await proxy.cut()
        await container.close()


async def test_ready_is_503_when_schema_is_behind(settings: Settings, database: Database) -> None:
    container = await build_container_with(settings, database)
    container.schema_heads = {"9999_future"}
    async with app_client(create_app(container=container)) as client:
        resp = await client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert "icct26 db upgrade" in resp.json()["detail"]
