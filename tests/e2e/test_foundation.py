"""The HTTP foundation: health, error shape for framework errors, request ids, CORS."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from litestar import get
from loguru import logger

from icct26.adapters.http import routes
from icct26.adapters.observability.logging import configure_logging
from icct26.adapters.resilience import BreakerOpenError
from icct26.bootstrap import Container, create_app
from tests.conftest import app_client

pytestmark = pytest.mark.asyncio


def assert_problem(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["success"] is False
    assert body["error_code"] == code
    assert body["status"] == status
    assert body["detail"] == body["message"] and isinstance(body["detail"], str)
    assert body["request_id"] == resp.headers["x-request-id"]
    assert {"type", "title", "instance"} <= body.keys()
    return body


async def test_health_live_ready(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "alive"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"
    health = await client.get("/health")
    assert health.json()["status"] == "healthy"
    assert health.json()["database"] == "connected"


async def test_health_reports_open_breakers_as_degraded(
    client: httpx.AsyncClient, container: Container
) -> None:
    breaker = container.breakers.get("health-probe", fail_max=1, reset_seconds=60)
    before = (await client.get("/health")).json()
    assert before["details"]["breaker:health-probe"] == "closed"
    assert before["status"] == "healthy"

    async def failing() -> None:
        raise ConnectionError("down")

    with pytest.raises(BreakerOpenError):
        await breaker.call(failing)
    after = await client.get("/health")
    assert after.json()["details"]["breaker:health-probe"] == "open"
    assert after.json()["status"] == "degraded"
    assert after.json()["database"] == "connected"


async def test_unknown_route_is_problem_json_with_cors(client: httpx.AsyncClient) -> None:
    resp = await client.get("/no/such/route", headers={"Origin": "http://localhost:5174"})
    assert_problem(resp, 404, "NOT_FOUND")
    assert resp.headers.get("access-control-allow-origin") in {"*", "http://localhost:5174"}


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    resp = await client.delete("/health/live")
    assert_problem(resp, 405, "METHOD_NOT_ALLOWED")


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    resp = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["x-request-id"] == "abc-123"
    bad = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert bad.headers["x-request-id"] != "bad id\twith spaces"
    assert len(bad.headers["x-request-id"]) == 32


async def test_unhandled_error_is_500_without_internals_and_logged_with_request_id(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    @get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("secret-internal-detail SELECT * FROM teams")

    original = routes.route_handlers
    monkeypatch.setattr("icct26.adapters.http.app.route_handlers", lambda s: [*original(s), boom])
    sink = io.StringIO()
    configure_logging("INFO", json=True, stream=sink)
    try:
        app = create_app(container=container)
        async with app_client(app) as c:
            resp = await c.get("/boom", headers={"X-Request-ID": "req-500-test"})
    finally:
        configure_logging("WARNING", json=True)
    body = assert_problem(resp, 500, "INTERNAL_ERROR")
    assert "secret-internal-detail" not in resp.text and "SELECT" not in resp.text
    assert body["request_id"] == "req-500-test"
    lines = [json.loads(line) for line in sink.getvalue().splitlines() if line.strip()]
    ours = [line for line in lines if line.get("request_id") == "req-500-test"]
    assert any(line["level"] == "ERROR" for line in ours)
    access = [line for line in ours if line.get("status") == 500]
    assert access and access[0]["path"] == "/boom" and "duration_ms" in access[0]
    logger.remove()


async def test_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    resp = await client.get("/schema/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["openapi"].startswith("3.1")
    assert "/health/ready" in doc["paths"]
    docs = await client.get("/docs", follow_redirects=False)
    assert docs.status_code in {301, 302, 307, 308}
