"""A token is only as good as its account: a password, role or active change ends earlier sessions, and
deletion or demotion applies to the next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from icct26.bootstrap import Container
from tests.e2e.admin.conftest import PASSWORD, VIEWER_EMAIL, Staff
from tests.support.factories import create_teams_bulk
from tests.support.registration_forms import execute

pytestmark = pytest.mark.asyncio


async def test_deactivated_account_is_refused_at_once(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    assert (await client.get("/admin/teams", headers=staff.viewer)).status_code == 200
    await execute(
        container.database, "UPDATE admin_users SET is_active = false WHERE id = :id", id=staff.viewer_id
    )
    refused = await client.get("/admin/teams", headers=staff.viewer)
    assert refused.status_code == 401
    assert refused.json()["error_code"] == "UNAUTHORIZED"


async def test_deleted_account_loses_the_admin_team_view(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    (team_id,) = await create_teams_bulk(container.database, teams=1, players_per_team=11, status="confirmed")
    admin_view = (await client.get(f"/api/teams/{team_id}", headers=staff.admin)).json()
    assert "captain" in admin_view["team"]
    await execute(container.database, "DELETE FROM admin_users WHERE id = :id", id=staff.admin_id)
    public_view = (await client.get(f"/api/teams/{team_id}", headers=staff.admin)).json()
    assert "captain" not in public_view["team"]


async def test_demoted_admin_may_only_read(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    (team_id,) = await create_teams_bulk(container.database, teams=1, players_per_team=11)
    await execute(
        container.database, "UPDATE admin_users SET role = 'viewer' WHERE id = :id", id=staff.admin_id
    )
    assert (await client.get("/admin/teams", headers=staff.admin)).status_code == 200
    refused = await client.put(f"/admin/teams/{team_id}/confirm", headers=staff.admin)
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "FORBIDDEN"


async def login_token(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    resp = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def assert_revoked(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for path in ("/api/auth/me", "/admin/teams"):
        refused = await client.get(path, headers=headers)
        assert refused.status_code == 401, (path, refused.text)
        assert refused.json()["error_code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "change",
    [
        {"password": "a brand new secret"},
        {"role": "admin"},
        {"is_active": False},
    ],
    ids=["password", "role", "deactivation"],
)
async def test_access_changes_revoke_earlier_tokens(
    client: httpx.AsyncClient, staff: Staff, change: dict[str, object]
) -> None:
    earlier = await login_token(client, VIEWER_EMAIL, PASSWORD)
    other_session = await login_token(client, VIEWER_EMAIL, PASSWORD)
    assert (await client.get("/api/auth/me", headers=earlier)).status_code == 200

    resp = await client.put(f"/admin/users/{staff.viewer_id}", headers=staff.admin, json=change)
    assert resp.status_code == 200, resp.text

    await assert_revoked(client, earlier)
    await assert_revoked(client, other_session)
    if change.get("is_active") is False:
        # Reactivating the account does not bring the old sessions back.
        back = await client.put(
            f"/admin/users/{staff.viewer_id}", headers=staff.admin, json={"is_active": True}
        )
        assert back.status_code == 200, back.text
        await assert_revoked(client, earlier)
    password = str(change.get("password", PASSWORD))
    fresh = await login_token(client, VIEWER_EMAIL, password)
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200
    # The admin who made the change keeps working.
    assert (await client.get("/admin/teams", headers=staff.admin)).status_code == 200


async def test_a_change_that_changes_nothing_keeps_sessions(client: httpx.AsyncClient, staff: Staff) -> None:
    token = await login_token(client, VIEWER_EMAIL, PASSWORD)
    same = await client.put(
        f"/admin/users/{staff.viewer_id}", headers=staff.admin, json={"role": "viewer", "is_active": True}
    )
    assert same.status_code == 200, same.text
    assert (await client.get("/api/auth/me", headers=token)).status_code == 200


async def test_a_forged_token_version_is_refused(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    resp = await client.put(
        f"/admin/users/{staff.viewer_id}", headers=staff.admin, json={"password": "a brand new secret"}
    )
    assert resp.status_code == 200, resp.text
    for version in (0, 2, "1"):
        claims = {"sub": str(staff.viewer_id), "role": "viewer", "ver": version}
        token = _sign(container, claims)
        refused = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401, (version, refused.text)
    current = _sign(container, {"sub": str(staff.viewer_id), "role": "viewer", "ver": 1})
    assert (
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {current}"})
    ).status_code == 200


def _sign(container: Container, claims: dict[str, object]) -> str:
    """A token signed with the server's key (what someone holding an old token could not make)."""
    now = datetime.now(UTC)
    payload = {"iss": "icct26", "iat": now, "exp": now + timedelta(hours=1), **claims}
    return jwt.encode(payload, container.settings.auth.secret_key, algorithm="HS256")
