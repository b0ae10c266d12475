"""The middleware stack in process: per-route and per-user quotas, deadlines, proxies, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar import Request, get
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.adapters.http import app as app_module
from icct26.adapters.http.auth import Principal
from icct26.bootstrap import Container, create_app
from tests.conftest import app_client
from tests.support.probe_routes import PROBE_ROUTES

pytestmark = pytest.mark.asyncio
ORIGIN = "http://localhost:5174"


@get("/_probe/whoami", include_in_schema=False)
async def whoami(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return {"base_url": str(request.base_url), "client": request.client.host if request.client else None}


@get("/_probe/boom", include_in_schema=False)
async def boom() -> None:
    raise RuntimeError("internal detail")


@pytest_asyncio.fixture
async def client(container: Container, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    original: Callable[[Any], list[Any]] = app_module.route_handlers
    monkeypatch.setattr(app_module, "route_handlers", lambda s: [*original(s), *PROBE_ROUTES, whoami, boom])
    async with app_client(create_app(container=container)) as c:
        yield c


def bearer(container: Container, user_id: int) -> dict[str, str]:
    token, _ = container.tokens.issue(
        Principal(user_id=user_id, email=f"u{user_id}@example.org", role="admin")
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("settings_overrides", [{"RATE_LIMIT_ENABLED": "true"}])
async def test_registration_has_its_own_quota_of_ten_per_minute(client: httpx.AsyncClient) -> None:
    statuses = [(await client.post("/api/register/team", content=b"")).status_code for _ in range(10)]
    assert 429 not in statuses
    refused = await client.post("/api/register/team", content=b"a large upload")
    assert refused.status_code == 429
    assert refused.headers["ratelimit-policy"] == '"registration";q=10;w=60'
    assert refused.json()["error_code"] == "RATE_LIMIT_EXCEEDED"  # read whole: the upload was drained
    other = await client.get("/_probe/sleep", params={"seconds": 0})  # the default quota is separate
    assert other.status_code == 200
    assert other.headers["ratelimit-policy"] == '"default";q=100;w=60'


@pytest.mark.parametrize(
    "settings_overrides", [{"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_ADMIN_PER_MINUTE": "3"}]
)
async def test_authenticated_staff_are_counted_per_user(
    client: httpx.AsyncClient, container: Container
) -> None:
    alice, bob = bearer(container, 7), bearer(container, 8)
    statuses = [
        (await client.get("/_probe/sleep", params={"seconds": 0}, headers=alice)).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    ok = await client.get("/_probe/sleep", params={"seconds": 0}, headers=bob)  # same IP, another user
    assert ok.status_code == 200
    assert ok.headers["ratelimit-policy"] == '"admin";q=3;w=60'
    forged = await client.get(
        "/_probe/sleep", params={"seconds": 0}, headers={"Authorization": "Bearer nope"}
    )
    assert forged.status_code == 200
    assert forged.headers["ratelimit-policy"].startswith('"default"')


async def test_rate_limiting_can_be_switched_off(client: httpx.AsyncClient) -> None:
    resp = await client.get("/_probe/sleep", params={"seconds": 0})  # tests run with RATE_LIMIT_ENABLED=false
    assert "ratelimit" not in resp.headers and "ratelimit-policy" not in resp.headers


@pytest.mark.parametrize(
    "settings_overrides", [{"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_DEFAULT_PER_MINUTE": "1"}]
)
async def test_refused_requests_are_counted_in_metrics_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/_probe/sleep", params={"seconds": 0})
    refused = await client.get("/_probe/sleep", params={"seconds": 0})
    assert refused.status_code == 429
    scrape = (await client.get("/metrics")).text
    assert (
        'icct26_http_requests_total{app_name="icct26",method="GET",path="/_probe/sleep",status_code="429"}'
        in scrape
    )


@pytest.mark.parametrize("settings_overrides", [{"REQUEST_TIMEOUT_SECONDS": "1"}])
async def test_a_request_past_its_deadline_is_cancelled_rolled_back_and_answered_503(
    client: httpx.AsyncClient, database: Database
) -> None:
    resp = await client.post(
        "/_probe/write-then-sleep", params={"name": "Slow Church", "seconds": 10}, headers={"Origin": ORIGIN}
    )
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["error_code"] == "REQUEST_TIMEOUT"
    assert resp.headers["retry-after"] == "5"
    assert resp.headers["access-control-allow-origin"] == "*"
    async with database.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM churches"))).scalar_one() == 0
    assert (await client.get("/_probe/db")).status_code == 200  # the pool is healthy afterwards


async def test_unhandled_errors_carry_cors_and_security_headers(client: httpx.AsyncClient) -> None:
    resp = await client.get("/_probe/boom", headers={"Origin": ORIGIN})
    assert resp.status_code == 500
    assert resp.json()["error_code"] == "INTERNAL_ERROR" and "internal detail" not in resp.text
    assert resp.headers["access-control-allow-origin"] == "*"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"


async def test_any_origin_is_allowed_when_cors_origins_is_star(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/schedule/matches/3/finish",
        headers={
            "Origin": "https://anywhere.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("settings_overrides", [{"FORWARDED_ALLOW_IPS": "127.0.0.1"}])
async def test_a_trusted_proxy_sets_the_client_address_and_scheme(client: httpx.AsyncClient) -> None:
    resp = await client.get(
        "/_probe/whoami", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert resp.json() == {"base_url": "https://testserver/", "client": "198.51.100.7"}


async def test_without_trusted_proxies_forwarding_headers_are_ignored(client: httpx.AsyncClient) -> None:
    resp = await client.get(
        "/_probe/whoami", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert resp.json() == {"base_url": "http://testserver/", "client": "127.0.0.1"}
