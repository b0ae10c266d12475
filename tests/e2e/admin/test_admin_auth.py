"""Login, tokens and guards: every /admin route needs a valid token; viewers only read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from litestar.routes import HTTPRoute

from icct26.adapters.http.app import build_litestar
from icct26.adapters.http.auth import Principal, TokenService
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import ADMIN_EMAIL, PASSWORD, VIEWER_EMAIL, Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_staff

pytestmark = pytest.mark.asyncio

_PARAM = re.compile(r"\{(\w+):(\w+)\}")


def admin_operations(container: Container) -> list[tuple[str, str]]:
    """(method, concrete path) of every route under /admin in the app, found by walking its routes."""
    app = build_litestar(container.settings)
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/admin"):
            continue
        path = _PARAM.sub(lambda m: "1" if m.group(2) == "int" else "ICCT-001", route.path)
        found += [(method, path) for method in sorted(route.methods) if method not in {"OPTIONS", "HEAD"}]
    return found


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_login_issues_a_bearer_token_that_opens_admin_routes(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    resp = await login(client, ADMIN_EMAIL.upper(), PASSWORD)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 8 * 3600
    assert resp.headers["cache-control"] == "no-store"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["data"]["email"] == ADMIN_EMAIL
    assert me.json()["data"]["role"] == "admin" and me.json()["data"]["last_login_at"]
    assert (await client.get("/admin/teams", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN_EMAIL, "wrong password!"), ("nobody@example.org", PASSWORD), ("", ""), ("x@y.z", "p" * 300)],
)
async def test_bad_credentials_are_one_indistinct_401(
    client: httpx.AsyncClient, staff: Staff, email: str, password: str
) -> None:
    resp = await login(client, email, password)
    body = assert_problem(resp, 401, "INVALID_CREDENTIALS")
    assert body["detail"] == "Email or password is incorrect"


async def test_inactive_account_cannot_log_in(client: httpx.AsyncClient, container: Container) -> None:
    await create_staff(container.database, "gone@example.org", "admin", PASSWORD, active=False)
    assert_problem(await login(client, "gone@example.org", PASSWORD), 401, "INVALID_CREDENTIALS")


async def test_missing_fields_are_validation_errors(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/auth/login", json={"email": "a@b.c"})
    assert_problem(resp, 422, "VALIDATION_FAILED")


@pytest.mark.parametrize("settings_overrides", [{"RATE_LIMIT_ENABLED": "true"}])
async def test_sixth_login_attempt_in_a_minute_is_rate_limited(
    client: httpx.AsyncClient, staff: Staff
) -> None:
    for _ in range(5):
        assert_problem(await login(client, ADMIN_EMAIL, "wrong password!"), 401, "INVALID_CREDENTIALS")
    resp = await login(client, ADMIN_EMAIL, "wrong password!")
    assert_problem(resp, 429, "RATE_LIMIT_EXCEEDED")
    assert 1 <= int(resp.headers["retry-after"]) <= 60
    # Even the right password waits: the limit counts attempts, not failures.
    assert_problem(await login(client, ADMIN_EMAIL, PASSWORD), 429, "RATE_LIMIT_EXCEEDED")
    # Another email from the same address has its own budget.
    assert (await login(client, VIEWER_EMAIL, PASSWORD)).status_code == 200


async def test_every_admin_route_needs_a_token(client: httpx.AsyncClient, container: Container) -> None:
    operations = admin_operations(container)
    assert len(operations) >= 15  # teams, players, churches, users, audit log at least
    for method, path in operations:
        resp = await client.request(method, path)
        assert_problem(resp, 401, "UNAUTHORIZED")


def _forged_tokens(container: Container, staff: Staff) -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {"sub": str(staff.admin_id), "email": ADMIN_EMAIL, "role": "admin", "iss": "icct26"}
    live = {**claims, "iat": now, "exp": now + timedelta(hours=1)}
    expired, _ = container.tokens.issue(
        Principal(staff.admin_id, ADMIN_EMAIL, "admin"), now=now - timedelta(hours=9)
    )
    other_key, _ = TokenService("another-secret-key-" + "x" * 32, 8).issue(
        Principal(staff.admin_id, ADMIN_EMAIL, "admin")
    )
    return {
        "expired": expired,
        "wrong key": other_key,
        "alg none": jwt.encode(live, key=None, algorithm="none"),
        "HS512 same key": jwt.encode(live, container.settings.auth.secret_key, algorithm="HS512"),
        "not a jwt": "abc.def.ghi",
    }


async def test_expired_and_forged_tokens_are_rejected(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    for label, token in _forged_tokens(container, staff).items():
        resp = await client.get("/admin/teams", headers={"Authorization": f"Bearer {token}"})
        body = assert_problem(resp, 401, "UNAUTHORIZED")
        if label == "expired":
            assert "expired" in body["detail"]
    wrong_scheme = await client.get("/admin/teams", headers={"Authorization": "Basic YWRtaW46YWRtaW4xMjM="})
    assert_problem(wrong_scheme, 401, "UNAUTHORIZED")


async def test_viewer_reads_but_cannot_change(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    assert (await client.get("/admin/teams", headers=staff.viewer)).status_code == 200
    assert (await client.get("/admin/churches", headers=staff.viewer)).status_code == 200
    mutations = [(m, p) for m, p in admin_operations(container) if m not in {"GET"}]
    assert mutations
    for method, path in mutations:
        resp = await client.request(method, path, headers=staff.viewer, json={})
        assert_problem(resp, 403, "FORBIDDEN")
    # Admin-only reads: staff accounts and the audit log.
    for path in ("/admin/users", "/admin/audit-log"):
        assert_problem(await client.get(path, headers=staff.viewer), 403, "FORBIDDEN")


async def test_admin_responses_are_not_cached(client: httpx.AsyncClient, staff: Staff) -> None:
    for path in ("/admin/teams", "/admin/churches", "/admin/users", "/admin/audit-log"):
        resp = await client.get(path, headers=staff.admin)
        assert resp.status_code == 200, (path, resp.text)
        assert resp.headers["cache-control"] == "no-store", path


async def test_cors_preflight_on_admin_routes_needs_no_token(client: httpx.AsyncClient) -> None:
    resp = await client.options(
        "/admin/teams/ICCT-001/confirm",
        headers={
            "Origin": "http://localhost:5174",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert resp.status_code in {200, 204}, resp.text
    assert resp.headers.get("access-control-allow-origin")


async def test_deactivated_account_loses_me(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    resp = await client.put(f"/admin/users/{staff.viewer_id}", headers=staff.admin, json={"is_active": False})
    assert resp.status_code == 200, resp.text
    assert_problem(await client.get("/api/auth/me", headers=staff.viewer), 401, "UNAUTHORIZED")
    assert_problem(await login(client, VIEWER_EMAIL, PASSWORD), 401, "INVALID_CREDENTIALS")
