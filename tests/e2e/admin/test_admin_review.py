"""The review workflow over HTTP: list, detail, confirm, reject, audit rows and outbox emails."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from icct26.adapters.db.models import AuditRecord, OutboxEmailRecord, TeamRecord
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import ADMIN_EMAIL, Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team

pytestmark = pytest.mark.asyncio

CAMEL_FIELDS = {
    "teamId", "teamName", "churchName", "captainName", "captainPhone", "captainEmail", "captainWhatsapp",
    "viceCaptainName", "viceCaptainPhone", "viceCaptainEmail", "viceCaptainWhatsapp", "playerCount",
    "registrationDate", "registrationStatus", "paymentReceipt", "pastorLetter", "groupPhoto",
    "captain", "viceCaptain",
}  # fmt: skip
SNAKE_FIELDS = {
    "team_id", "team_name", "church_name", "captain_name", "captain_phone", "captain_email",
    "vice_captain_name", "vice_captain_phone", "vice_captain_email", "player_count", "registration_date",
    "registration_status", "payment_receipt", "pastor_letter", "group_photo",
}  # fmt: skip


async def rows(container: Container, model: Any, **where: Any) -> list[Any]:
    async with container.database.sessionmaker() as session:
        stmt = select(model).filter_by(**where).order_by(model.id)
        return list((await session.scalars(stmt)).all())


async def count(container: Container, model: Any) -> int:
    async with container.database.sessionmaker() as session:
        return int(await session.scalar(select(func.count(model.id))) or 0)


async def test_list_has_the_dashboards_fields_and_absolute_document_links(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    first = await create_team(container, "CSI St. Peter's Church", players=12)
    second = await create_team(
        container, "CSI Christ Church", players=11, group_photo=False, status="confirmed"
    )
    resp = await client.get("/admin/teams", headers=staff.viewer)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (
        body["success"] is True
        and body["total"] == 2
        and body["page"] == 1
        and isinstance(body["data"], list)
    )
    by_id = {team["teamId"]: team for team in body["data"]}
    team = by_id[first.team_id]
    # SPEC §3.2's list item and nothing more: the dashboard reads these keys first (FRONTEND_CONTRACT
    # §2.3); the snake_case twins and the status history are in the team detail.
    assert team.keys() == CAMEL_FIELDS
    assert team["teamName"] == first.name and team["churchName"] == "CSI St. Peter's Church"
    assert team["playerCount"] == 12 and team["registrationStatus"] == "pending"
    assert team["captain"] == {
        "name": team["captainName"],
        "phone": team["captainPhone"],
        "email": first.captain_email,
        "whatsapp": team["captainWhatsapp"],
    }
    assert team["viceCaptain"]["email"] == team["viceCaptainEmail"]
    assert team["registrationDate"].endswith("+05:30")  # tournament time zone, with offset
    for key, extension in (("paymentReceipt", ".pdf"), ("pastorLetter", ".pdf"), ("groupPhoto", ".jpg")):
        assert team[key].startswith("http://testserver/documents/") and team[key].endswith(extension)
    assert team["paymentReceipt"].endswith("/payment_receipt.pdf")
    other = by_id[second.team_id]
    assert other["groupPhoto"] is None
    assert other["registrationStatus"] == "confirmed"
    detail = (await client.get(f"/admin/teams/{first.team_id}", headers=staff.viewer)).json()["data"]["team"]
    assert detail.keys() >= CAMEL_FIELDS | SNAKE_FIELDS
    assert {key: detail[key] for key in CAMEL_FIELDS - {"paymentReceipt", "pastorLetter", "groupPhoto"}} == {
        key: team[key] for key in CAMEL_FIELDS - {"paymentReceipt", "pastorLetter", "groupPhoto"}
    }
    assert detail["paymentReceipt"].endswith("/payment_receipt.pdf")


async def test_list_filters_and_pages(client: httpx.AsyncClient, container: Container, staff: Staff) -> None:
    teams = [await create_team(container, "CSI Immanuel Church", players=0) for _ in range(2)]
    teams.append(await create_team(container, "CSI Christ Church", players=0, status="rejected"))

    async def ids(**params: Any) -> list[str]:
        resp = await client.get("/admin/teams", headers=staff.admin, params=params)
        assert resp.status_code == 200, resp.text
        return [t["teamId"] for t in resp.json()["data"]]

    assert await ids(status="rejected") == [teams[2].team_id]
    assert await ids(church="csi  immanuel church.") == [teams[0].team_id, teams[1].team_id]
    assert await ids(search=teams[1].team_id.lower()) == [teams[1].team_id]
    assert await ids(search="100%_") == []  # wildcards are literal
    assert await ids(church="!!!") == []  # a church that cannot exist matches nothing
    assert await ids(page=2, page_size=2) == [teams[2].team_id]
    page = (await client.get("/admin/teams", headers=staff.admin, params={"page": 3, "page_size": 2})).json()
    assert page["data"] == [] and page["total"] == 3
    for params in ({"status": "accepted"}, {"page": 0}, {"page_size": 5000}):
        assert_problem(
            await client.get("/admin/teams", headers=staff.admin, params=params), 422, "VALIDATION_FAILED"
        )


async def test_team_and_player_detail(client: httpx.AsyncClient, container: Container, staff: Staff) -> None:
    team = await create_team(container, players=13)
    resp = await client.get(f"/admin/teams/{team.team_id.lower()}", headers=staff.viewer)
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert data["team"]["teamId"] == team.team_id and data["team"]["captain"]["email"] == team.captain_email
    players = data["players"]
    assert [p["playerId"] for p in players] == team.player_ids
    assert [p["player_id"] for p in players] == team.player_ids
    first = players[0]
    assert first["aadharFile"] == first["aadhar_file"]
    assert first["aadharFile"].endswith(f"/{team.player_ids[0]}-aadhar.jpg")
    assert first["subscriptionFile"].endswith(f"/{team.player_ids[0]}-subscription.png")
    player = await client.get(f"/admin/players/{team.player_ids[4]}", headers=staff.viewer)
    assert player.status_code == 200, player.text
    assert player.json()["data"]["player"]["playerId"] == team.player_ids[4]
    assert player.json()["data"]["team"]["teamId"] == team.team_id
    assert_problem(await client.get("/admin/teams/ICCT-999", headers=staff.admin), 404, "TEAM_NOT_FOUND")
    assert_problem(
        await client.get("/admin/players/ICCT-999-P01", headers=staff.admin), 404, "PLAYER_NOT_FOUND"
    )


async def test_confirm_records_status_email_and_one_audit_row(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11)
    headers = {**staff.admin, "Content-Type": "application/json", "X-Request-ID": "req-confirm-1"}
    resp = await client.put(f"/admin/teams/{team.team_id}/confirm", headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["success"] is True and body["team_id"] == team.team_id
    assert body["registration_status"] == "confirmed" and body["email_notification"] == "queued"
    assert resp.headers["cache-control"] == "no-store"

    (record,) = await rows(container, TeamRecord, team_id=team.team_id)
    assert record.status == "confirmed" and record.status_changed_by == ADMIN_EMAIL
    assert record.status_changed_at is not None and record.status_reason is None
    (email,) = await rows(container, OutboxEmailRecord)
    assert (
        email.kind == "team_confirmed"
        and email.recipient == team.captain_email
        and email.team_pk == record.id
    )
    assert email.context["team_id"] == team.team_id and email.context["church_name"] == team.church_name
    assert [p["player_id"] for p in email.context["players"]] == team.player_ids
    (audit,) = await rows(container, AuditRecord)
    assert (audit.action, audit.target_type, audit.target_id) == ("team.confirm", "team", team.team_id)
    assert audit.actor_id == staff.admin_id and audit.actor_email == ADMIN_EMAIL
    assert audit.before == {"status": "pending", "status_reason": None}
    assert audit.after == {"status": "confirmed", "status_reason": None}
    assert audit.request_id == "req-confirm-1" and audit.ip == "127.0.0.1"

    again = await client.put(f"/admin/teams/{team.team_id}/confirm", headers=staff.admin)
    assert again.status_code == 200, again.text
    assert again.json()["success"] is True and again.json()["registration_status"] == "confirmed"
    assert again.json()["email_notification"] == "not_sent"
    assert await count(container, OutboxEmailRecord) == 1
    assert await count(container, AuditRecord) == 1


async def test_reject_rules(client: httpx.AsyncClient, container: Container, staff: Staff) -> None:
    team = await create_team(container, status="confirmed")
    url = f"/admin/teams/{team.team_id}/reject"
    no_reason = await client.put(url, headers={**staff.admin, "Content-Type": "application/json"})
    body = assert_problem(no_reason, 422, "VALIDATION_FAILED")
    assert body["errors"][0]["field"] == "reason"
    assert_problem(
        await client.put(url, headers=staff.admin, json={"reason": "   "}), 422, "VALIDATION_FAILED"
    )
    malformed = await client.put(
        url, headers={**staff.admin, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert_problem(malformed, 400, "MALFORMED_REQUEST")
    assert await count(container, AuditRecord) == 0

    resp = await client.put(url, headers=staff.admin, json={"reason": "Payment receipt was unreadable"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["registration_status"] == "rejected" and resp.json()["email_notification"] == "queued"
    (email,) = await rows(container, OutboxEmailRecord)
    assert email.kind == "team_rejected" and email.context["reason"] == "Payment receipt was unreadable"
    (audit,) = await rows(container, AuditRecord)
    assert audit.action == "team.reject" and audit.reason == "Payment receipt was unreadable"
    assert audit.before["status"] == "confirmed" and audit.after["status"] == "rejected"

    again = await client.put(url, headers=staff.admin)
    assert again.status_code == 200 and again.json()["email_notification"] == "not_sent"
    confirm = await client.put(f"/admin/teams/{team.team_id}/confirm", headers=staff.admin)
    body = assert_problem(confirm, 409, "INVALID_STATUS_TRANSITION")
    assert body["current_status"] == "rejected"
    assert await count(container, OutboxEmailRecord) == 1 and await count(container, AuditRecord) == 1
    (record,) = await rows(container, TeamRecord, team_id=team.team_id)
    assert record.status == "rejected" and record.status_reason == "Payment receipt was unreadable"


async def test_reject_pending_team_as_the_frontend_does(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container)
    # The existing frontend sends no body but a JSON content type.
    resp = await client.put(
        f"/admin/teams/{team.team_id}/reject", headers={**staff.admin, "Content-Type": "application/json"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["registration_status"] == "rejected"
    (email,) = await rows(container, OutboxEmailRecord)
    assert email.kind == "team_rejected" and email.context["reason"] == ""
    assert_problem(
        await client.put("/admin/teams/ICCT-404/reject", headers=staff.admin), 404, "TEAM_NOT_FOUND"
    )


async def test_concurrent_confirms_change_once(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=2)
    responses = await asyncio.gather(
        *(client.put(f"/admin/teams/{team.team_id}/confirm", headers=staff.admin) for _ in range(6))
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["email_notification"] for r in responses) == ["not_sent"] * 5 + ["queued"]
    assert await count(container, OutboxEmailRecord) == 1 and await count(container, AuditRecord) == 1


def _all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _all_keys(v)}
    return set()


async def test_public_team_view_hides_contacts_and_documents(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11, status="confirmed")
    public = await client.get(f"/api/teams/{team.team_id}")
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["success"] is True
    assert body["team"]["team_id"] == team.team_id and body["team"]["teamName"] == team.name
    assert body["team"]["registration_status"] == "confirmed" and body["team"]["player_count"] == 11
    assert [p["playerId"] for p in body["players"]] == team.player_ids
    keys = {k.lower() for k in _all_keys(body)}
    leaking = {
        k
        for k in keys
        if any(
            w in k for w in ("phone", "email", "whatsapp", "file", "captain", "receipt", "letter", "photo")
        )
    }
    assert leaking == set()
    assert team.captain_email not in public.text and "/documents/" not in public.text
    forged = await client.get(f"/api/teams/{team.team_id}", headers={"Authorization": "Bearer not-a-token"})
    assert _all_keys(forged.json()) == _all_keys(body)

    staff_view = await client.get(f"/api/teams/{team.team_id}", headers=staff.viewer)
    assert staff_view.status_code == 200
    assert (
        staff_view.headers["cache-control"] == "no-store"
        and "authorization" in staff_view.headers["vary"].lower()
    )
    admin_body = staff_view.json()
    assert admin_body["team"]["captain"]["email"] == team.captain_email
    assert set(admin_body["team"]["viceCaptain"]) == {"name", "phone", "email", "whatsapp"}
    assert admin_body["team"]["registration_date"] and admin_body["team"]["pastorLetter"].endswith(".pdf")
    player = admin_body["players"][0]
    assert {
        "playerId",
        "player_id",
        "aadharFile",
        "aadhar_file",
        "subscriptionFile",
        "subscription_file",
    } <= player.keys()
    assert_problem(await client.get("/api/teams/ICCT-777"), 404, "TEAM_NOT_FOUND")


@pytest.mark.parametrize("status", ["pending", "rejected"])
async def test_unconfirmed_team_is_not_public_but_staff_still_see_it(
    client: httpx.AsyncClient, container: Container, staff: Staff, status: str
) -> None:
    team = await create_team(container, players=11, status=status)
    public = await client.get(f"/api/teams/{team.team_id}")
    assert_problem(public, 404, "TEAM_NOT_FOUND")
    assert team.name not in public.text
    forged = await client.get(f"/api/teams/{team.team_id}", headers={"Authorization": "Bearer not-a-token"})
    assert_problem(forged, 404, "TEAM_NOT_FOUND")

    staff_view = await client.get(f"/api/teams/{team.team_id}", headers=staff.viewer)
    assert staff_view.status_code == 200, staff_view.text
    assert staff_view.json()["team"]["registration_status"] == status
