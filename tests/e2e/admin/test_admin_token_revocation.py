"""A token is only as good as its account: deactivation and demotion apply to the next request."""

from __future__ import annotations

import httpx
import pytest

from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
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
