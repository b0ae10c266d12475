"""Church administration: create, list with counts, rename, limits, delete; every change audited."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from icct26.adapters.db.models import AuditRecord
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_church, create_team

pytestmark = pytest.mark.asyncio


async def audit_actions(container: Container) -> list[tuple[str, str]]:
    async with container.database.sessionmaker() as session:
        records = (await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all()
    return [(r.action, r.target_id) for r in records]


async def test_create_and_duplicate_keys(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    resp = await client.post(
        "/admin/churches", headers=staff.admin, json={"name": "  CSI St. Peter's   Church ", "max_teams": 3}
    )
    assert resp.status_code == 201, resp.text
    church = resp.json()["data"]
    assert church["name"] == "CSI St. Peter's Church" and church["key"] == "csi st peters church"
    assert church["max_teams"] == 3 and church["effective_max_teams"] == 3 and church["active_teams"] == 0
    assert resp.headers["location"] == f"/admin/churches/{church['id']}"
    duplicate = await client.post(
        "/admin/churches", headers=staff.admin, json={"name": "csi st peters  church"}
    )
    assert_problem(duplicate, 409, "CHURCH_EXISTS")
    for bad in ({"name": ""}, {"name": "CSI X", "max_teams": -1}, {"max_teams": 2}):
        assert_problem(
            await client.post("/admin/churches", headers=staff.admin, json=bad), 422, "VALIDATION_FAILED"
        )
    assert await audit_actions(container) == [("church.create", str(church["id"]))]


async def test_list_counts_active_and_total_teams(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    await create_team(container, "CSI Christ Church", players=0)
    await create_team(container, "CSI Christ Church", players=0, status="rejected")
    await create_church(container.database, "CSI Immanuel Church", max_teams=1)
    resp = await client.get("/admin/churches", headers=staff.viewer)
    assert resp.status_code == 200, resp.text
    churches = {c["name"]: c for c in resp.json()["data"]}
    assert resp.json()["total"] == 2
    christ = churches["CSI Christ Church"]
    assert (christ["active_teams"], christ["total_teams"], christ["max_teams"]) == (1, 2, None)
    assert (
        christ["effective_max_teams"] == container.settings.registration.max_teams_per_church
        and christ["locked"] is False
    )
    assert churches["CSI Immanuel Church"]["effective_max_teams"] == 1
    searched = await client.get("/admin/churches", headers=staff.viewer, params={"search": "immanuel"})
    assert [c["name"] for c in searched.json()["data"]] == ["CSI Immanuel Church"]


async def test_update_rename_and_limit(client: httpx.AsyncClient, container: Container, staff: Staff) -> None:
    church_id = await create_church(container.database, "CSI Christ Chruch", max_teams=4)
    other_id = await create_church(container.database, "CSI Immanuel Church")
    url = f"/admin/churches/{church_id}"
    resp = await client.put(url, headers=staff.admin, json={"name": "CSI Christ Church"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["name"] == "CSI Christ Church" and resp.json()["data"]["max_teams"] == 4
    resp = await client.put(url, headers=staff.admin, json={"max_teams": None})
    assert resp.json()["data"]["max_teams"] is None
    unchanged = await client.put(url, headers=staff.admin, json={})
    assert unchanged.status_code == 200
    clash = await client.put(url, headers=staff.admin, json={"name": "csi immanuel church"})
    assert_problem(clash, 409, "CHURCH_EXISTS")
    assert_problem(
        await client.put("/admin/churches/999999", headers=staff.admin, json={}), 404, "CHURCH_NOT_FOUND"
    )
    assert await audit_actions(container) == [("church.update", str(church_id))] * 2
    async with container.database.sessionmaker() as session:
        first = (await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).first()
    assert first is not None and first.before["name"] == "CSI Christ Chruch"
    assert first.after["name"] == "CSI Christ Church" and first.actor_id == staff.admin_id
    assert other_id


async def test_delete_only_unused_churches(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, "CSI Christ Church", players=0, status="rejected")
    used = (await client.get("/admin/churches", headers=staff.admin)).json()["data"][0]
    assert used["name"] == team.church_name
    body = assert_problem(
        await client.delete(f"/admin/churches/{used['id']}", headers=staff.admin), 409, "CHURCH_IN_USE"
    )
    assert body["team_count"] == 1
    unused = await create_church(container.database, "CSI Empty Church")
    resp = await client.delete(f"/admin/churches/{unused}", headers=staff.admin)
    assert resp.status_code == 200 and resp.json()["success"] is True
    assert_problem(
        await client.get(f"/admin/churches/{unused}", headers=staff.admin), 404, "CHURCH_NOT_FOUND"
    )
    assert_problem(
        await client.delete(f"/admin/churches/{unused}", headers=staff.admin), 404, "CHURCH_NOT_FOUND"
    )
    assert await audit_actions(container) == [("church.delete", str(unused))]
