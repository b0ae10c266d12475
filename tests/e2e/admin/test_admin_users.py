"""Staff account management over HTTP, the audit log endpoint, and `icct26 admin create`."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from icct26.adapters.db.models import AdminUserRecord, AuditRecord
from icct26.bootstrap import Container
from icct26.cli import main
from tests.e2e.admin.conftest import ADMIN_EMAIL, PASSWORD, Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team

pytestmark = pytest.mark.asyncio


async def login(client: httpx.AsyncClient, email: str, password: str) -> int:
    return (await client.post("/api/auth/login", json={"email": email, "password": password})).status_code


async def audit_rows(container: Container) -> list[AuditRecord]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all())


async def test_admin_creates_updates_and_deletes_accounts(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    new = {"email": "Scorer@Example.org", "password": "a long enough secret", "role": "viewer"}
    resp = await client.post("/admin/users", headers=staff.admin, json=new)
    assert resp.status_code == 201, resp.text
    user = resp.json()["data"]
    assert user["email"] == "scorer@example.org" and user["role"] == "viewer" and user["is_active"] is True
    assert "password" not in json.dumps(resp.json()) and "argon2" not in resp.text
    assert_problem(await client.post("/admin/users", headers=staff.admin, json=new), 409, "USER_EXISTS")
    for bad in (
        {**new, "email": "not-an-email"},
        {**new, "email": "short@example.org", "password": "short"},
        {**new, "email": "role@example.org", "role": "owner"},
    ):
        assert_problem(
            await client.post("/admin/users", headers=staff.admin, json=bad), 422, "VALIDATION_FAILED"
        )
    assert await login(client, "scorer@example.org", "a long enough secret") == 200

    url = f"/admin/users/{user['id']}"
    resp = await client.put(
        url, headers=staff.admin, json={"role": "admin", "password": "a brand new secret"}
    )
    assert resp.status_code == 200 and resp.json()["data"]["role"] == "admin"
    assert await login(client, "scorer@example.org", "a long enough secret") == 401
    assert await login(client, "scorer@example.org", "a brand new secret") == 200
    listed = (await client.get("/admin/users", headers=staff.admin)).json()["data"]
    assert {u["email"] for u in listed} == {ADMIN_EMAIL, "viewer@example.org", "scorer@example.org"}

    assert (await client.delete(url, headers=staff.admin)).status_code == 200
    assert_problem(await client.get(url, headers=staff.admin), 404, "USER_NOT_FOUND")
    actions = [(r.action, r.target_id, r.actor_id) for r in await audit_rows(container)]
    assert actions == [
        ("admin_user.create", str(user["id"]), staff.admin_id),
        ("admin_user.update", str(user["id"]), staff.admin_id),
        ("admin_user.delete", str(user["id"]), staff.admin_id),
    ]
    update = (await audit_rows(container))[1]
    assert update.before == {"email": "scorer@example.org", "role": "viewer", "is_active": True}
    assert update.after == {
        "email": "scorer@example.org",
        "role": "admin",
        "is_active": True,
        "password_changed": True,
        "sessions_revoked": True,
    }
    assert all("argon2" not in json.dumps([r.before, r.after]) for r in await audit_rows(container))


async def test_admins_cannot_lock_themselves_out(client: httpx.AsyncClient, staff: Staff) -> None:
    me = f"/admin/users/{staff.admin_id}"
    for change in ({"role": "viewer"}, {"is_active": False}):
        assert_problem(await client.put(me, headers=staff.admin, json=change), 403, "FORBIDDEN")
    assert_problem(await client.delete(me, headers=staff.admin), 403, "FORBIDDEN")
    # A password change of one's own account is fine.
    resp = await client.put(me, headers=staff.admin, json={"password": "another long secret"})
    assert resp.status_code == 200


async def test_audit_log_lists_newest_first(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=1)
    await client.put(f"/admin/teams/{team.team_id}/confirm", headers=staff.admin)
    await client.post("/admin/churches", headers=staff.admin, json={"name": "CSI New Church"})
    resp = await client.get("/admin/audit-log", headers=staff.admin, params={"page_size": 1})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] == 2 and body["page_size"] == 1
    (entry,) = body["data"]
    assert entry["action"] == "church.create" and entry["actor_email"] == ADMIN_EMAIL
    assert entry["request_id"] and entry["ip"] == "127.0.0.1" and entry["at"].endswith("+05:30")
    second = (
        await client.get("/admin/audit-log", headers=staff.admin, params={"page": 2, "page_size": 1})
    ).json()
    assert (
        second["data"][0]["action"] == "team.confirm" and second["data"][0]["after"]["status"] == "confirmed"
    )


def _cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env, input=stdin)
    return result.exit_code, result.output


async def test_cli_creates_accounts(client: httpx.AsyncClient, container: Container) -> None:
    settings = container.settings
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database.url or "",
        "DATA_DIR": settings.runtime.data_dir,
        "ICCT26_ADMIN_PASSWORD": "",
        "OUTBOX_WORKER": "off",
    }
    code, out = await asyncio.to_thread(
        _cli,
        ["admin", "create", "--email", "Lead@Example.org", "--role", "admin"],
        env,
        "cli password 1\ncli password 1\n",
    )
    assert code == 0, out
    assert "created admin account lead@example.org" in out
    code, out = await asyncio.to_thread(
        _cli,
        ["admin", "create", "--email", "view@example.org", "--role", "viewer"],
        {**env, "ICCT26_ADMIN_PASSWORD": "env password 1"},
    )
    assert code == 0, out
    code, out = await asyncio.to_thread(
        _cli, ["admin", "create", "--email", "lead@example.org", "--password", "whatever long"], env
    )
    assert code == 1 and "already exists" in out
    code, out = await asyncio.to_thread(
        _cli, ["admin", "create", "--email", "x@example.org", "--password", "short"], env
    )
    assert code == 1 and "at least" in out
    assert await login(client, "lead@example.org", "cli password 1") == 200
    assert await login(client, "view@example.org", "env password 1") == 200
    async with container.database.sessionmaker() as session:
        roles = dict(
            (await session.execute(select(AdminUserRecord.email, AdminUserRecord.role))).tuples().all()
        )
    assert roles == {"lead@example.org": "admin", "view@example.org": "viewer"}
    assert [(r.action, r.actor_email) for r in await audit_rows(container)] == [
        ("admin_user.create", "cli")
    ] * 2
    code, out = await asyncio.to_thread(_cli, ["admin", "list"], env)
    assert code == 0 and "lead@example.org\tadmin\tactive" in out
    assert PASSWORD not in out
