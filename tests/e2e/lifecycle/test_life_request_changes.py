"""Organisers ask for changes over HTTP: validation, the 409 table, the admin view's review data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from icct26.adapters.db.models import AuditRecord, DocumentRecord, OutboxEmailRecord, PlayerRecord, TeamRecord
from icct26.bootstrap import Container
from tests.e2e.lifecycle.conftest import Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team

pytestmark = pytest.mark.asyncio

TWO_ITEMS = {
    "reason": "Two documents need another look",
    "items": [
        {"document": "aadhar_file", "player_id": "ICCT-001-P03", "note": "The scan is blurry"},
        {"document": "pastor_letter", "note": "Not signed"},
    ],
}


async def rows(container: Container, model: Any, **where: Any) -> list[Any]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(model).filter_by(**where).order_by(model.id))).all())


async def test_request_changes_holds_the_slot_audits_emails_and_shows_in_the_admin_view(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, "CSI Christ Church", players=11)
    resp = await client.put(
        f"/admin/teams/{team.team_id}/request-changes", json=TWO_ITEMS, headers=staff.admin
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["registration_status"] == "changes_requested" and body["team_id"] == team.team_id
    assert body["deadline"].endswith("+05:30")
    assert [(i["document"], i["player_id"]) for i in body["items"]] == [
        ("aadhar_file", "ICCT-001-P03"),
        ("pastor_letter", None),
    ]
    [record] = await rows(container, TeamRecord, team_id=team.team_id)
    assert record.status == "changes_requested" and record.review_deadline is not None
    [audit] = await rows(container, AuditRecord, action="team.changes_requested")
    assert audit.target_id == team.team_id and audit.reason == "Two documents need another look"
    [email] = await rows(container, OutboxEmailRecord, kind="changes_requested")
    assert email.recipient == team.captain_email
    assert email.context["captain_link"].startswith("http://testserver/portal/")
    assert [item["note"] for item in email.context["items"]] == ["The scan is blurry", "Not signed"]

    detail = (await client.get(f"/admin/teams/{team.team_id}", headers=staff.viewer)).json()["data"]
    assert detail["team"]["registrationStatus"] == "changes_requested"
    assert [i["document"] for i in detail["team"]["review"]["items"]] == ["aadhar_file", "pastor_letter"]
    assert detail["team"]["review"]["deadline"] == body["deadline"]
    by_name = {(d["document"], d["player_id"]): d for d in detail["documents"]}
    aadhar = by_name[("aadhar_file", "ICCT-001-P03")]
    assert aadhar["replaced_at"] is None and len(aadhar["sha256"]) == 64
    assert aadhar["url"].startswith("http://testserver/documents/") and aadhar["url"].endswith(".jpg")
    assert (await client.get(aadhar["url"])).status_code == 200
    assert detail["possible_duplicates"] == []

    # The slot is still held: availability counts the team.
    churches = (await client.get("/api/churches/availability")).json()["churches"]
    assert [c["team_count"] for c in churches if c["church_name"] == "CSI Christ Church"] == [1]


@pytest.mark.parametrize(
    ("items", "fields"),
    [
        ([{"document": "passport", "note": "x"}], ["items[0].document"]),
        ([{"document": "aadhar_file", "note": "x"}], ["items[0].player_id"]),
        (
            [{"document": "subscription_file", "player_id": "ICCT-077-P01", "note": "x"}],
            ["items[0].player_id"],
        ),
        ([], ["items"]),
    ],
)
async def test_invalid_items_are_422_with_field_errors(
    client: httpx.AsyncClient,
    container: Container,
    staff: Staff,
    items: list[dict[str, Any]],
    fields: list[str],
) -> None:
    team = await create_team(container, players=11)
    resp = await client.put(
        f"/admin/teams/{team.team_id}/request-changes", json={"items": items}, headers=staff.admin
    )
    assert_problem(resp, 422, "VALIDATION_FAILED")
    assert [e["field"] for e in resp.json()["errors"]] == fields


@pytest.mark.parametrize("status", ["confirmed", "rejected"])
async def test_only_pending_teams_can_be_sent_back(
    client: httpx.AsyncClient, container: Container, staff: Staff, status: Any
) -> None:
    team = await create_team(container, players=11, status=status)
    resp = await client.put(
        f"/admin/teams/{team.team_id}/request-changes", json=TWO_ITEMS, headers=staff.admin
    )
    assert_problem(resp, 409, "INVALID_STATUS_TRANSITION")


async def test_viewers_cannot_and_unknown_teams_are_404(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11)
    resp = await client.put(
        f"/admin/teams/{team.team_id}/request-changes", json=TWO_ITEMS, headers=staff.viewer
    )
    assert_problem(resp, 403, "FORBIDDEN")
    resp = await client.put("/admin/teams/ICCT-999/request-changes", json=TWO_ITEMS, headers=staff.admin)
    assert_problem(resp, 404, "TEAM_NOT_FOUND")


async def test_same_id_document_in_another_live_team_is_flagged(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    first = await create_team(container, "CSI Christ Church", players=11)
    second = await create_team(container, "CSI St. Peter's Church", players=11)
    rejected = await create_team(container, "CSI Immanuel Church", players=11, status="rejected")
    async with container.database.sessionmaker() as session, session.begin():
        pks = {
            pid: pk
            for pid, pk in (await session.execute(select(PlayerRecord.player_id, PlayerRecord.id))).all()
        }
        shared = "ab" * 32
        for player_id in (first.player_ids[1], second.player_ids[4], rejected.player_ids[0]):
            await session.execute(
                update(DocumentRecord)
                .where(DocumentRecord.player_pk == pks[player_id], DocumentRecord.kind == "aadhar")
                .values(sha256=shared)
            )
    detail = (await client.get(f"/admin/teams/{first.team_id}", headers=staff.viewer)).json()["data"]
    assert detail["possible_duplicates"] == [
        {
            "player_id": first.player_ids[1],
            "player_name": "Player 2 of 1",
            "other_team_id": second.team_id,
            "other_team_name": second.name,
            "other_player_id": second.player_ids[4],
            "other_player_name": "Player 5 of 2",
        }
    ]
