"""The acceptance path of the review loop over HTTP with real SMTP: organisers flag two documents, the
captain follows the emailed link, replaces them one by one and the team is pending again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from icct26.adapters.db.models import AuditRecord, DocumentRecord, TeamRecord
from icct26.bootstrap import Container
from icct26.domain.errors import NotFound
from tests.e2e.lifecycle.conftest import Staff, deliver, link_token
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team, read_stored
from tests.support.registration_forms import jpeg_bytes, pdf_bytes, png_bytes
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio

FLAG_TWO = {
    "items": [
        {"document": "aadhar_file", "player_id": "ICCT-001-P03", "note": "The scan is blurry"},
        {"document": "pastor_letter", "note": "Not signed"},
    ],
}


async def audit_actions(container: Container) -> list[str]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(AuditRecord.action).order_by(AuditRecord.id))).all())


async def upload(
    client: httpx.AsyncClient, token: str, field: str, name: str, content: bytes, media_type: str
) -> httpx.Response:
    """The captain sends one document through the link."""
    return await client.post(f"/api/captain/{token}/documents", files={field: (name, content, media_type)})


async def team_row(container: Container, team_id: str) -> Any:
    async with container.database.sessionmaker() as session:
        return (await session.scalars(select(TeamRecord).where(TeamRecord.team_id == team_id))).one()


async def test_flag_two_documents_answer_them_one_by_one(
    client: httpx.AsyncClient, container: Container, staff: Staff, smtp_sink: SmtpSink
) -> None:
    team = await create_team(container, "CSI Christ Church", players=11)
    old_aadhar = team.keys[("ICCT-001-P03", "aadhar")]
    resp = await client.put(
        f"/admin/teams/{team.team_id}/request-changes", json=FLAG_TWO, headers=staff.admin
    )
    assert resp.status_code == 200, resp.text

    [message] = await deliver(container, smtp_sink, 1)
    assert message["To"] == team.captain_email and str(message["Subject"]).strip().startswith(
        "Changes needed: ICCT-001"
    )
    token = link_token(message)
    portal = await client.get(f"/portal/{token}")  # the emailed link itself
    assert portal.status_code == 200 and portal.text.count('type="file"') == 2
    page = await client.get(f"/api/captain/{token}")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    view = page.json()
    assert view["registration_status"] == "changes_requested" and view["team_id"] == team.team_id
    assert [(i["document"], i["player_id"], i["note"]) for i in view["items"]] == [
        ("aadhar_file", "ICCT-001-P03", "The scan is blurry"),
        ("pastor_letter", None, "Not signed"),
    ]
    assert len(view["players"]) == 11 and view["deadline"].endswith("+05:30")

    # A document nobody asked for, and a PDF sent as a JPEG: refused, nothing replaced.
    resp = await upload(client, token, "payment_receipt", "r.pdf", pdf_bytes(), "application/pdf")
    assert_problem(resp, 422, "NOT_REQUESTED")
    resp = await upload(client, token, "player_2_aadhar_file", "id.jpg", pdf_bytes(), "image/jpeg")
    assert_problem(resp, 422, "INVALID_FILE_TYPE")
    assert (await team_row(container, team.team_id)).status == "changes_requested"

    new_scan = jpeg_bytes((10, 200, 10))
    resp = await upload(client, token, "player_2_aadhar_file", "id.jpg", new_scan, "image/jpeg")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"success": True, "registration_status": "changes_requested", "items_remaining": 1}
    async with container.database.sessionmaker() as session:
        keys = set((await session.scalars(select(DocumentRecord.storage_key))).all())
        replaced = (
            await session.scalars(select(DocumentRecord).where(DocumentRecord.replaced_at.is_not(None)))
        ).one()
    assert old_aadhar not in keys and replaced.kind == "aadhar"
    assert await read_stored(container.storage, replaced.storage_key) == new_scan
    with pytest.raises(NotFound):  # the old scan is gone from the store once the new one committed
        await read_stored(container.storage, old_aadhar)
    view = (await client.get(f"/api/captain/{token}")).json()
    assert [i["document"] for i in view["items"]] == ["pastor_letter"]

    # Uploading the same document again is not requested any more.
    resp = await upload(client, token, "player_2_aadhar_file", "id.png", png_bytes(), "image/png")
    assert_problem(resp, 422, "NOT_REQUESTED")

    resp = await upload(client, token, "pastor_letter", "letter.pdf", pdf_bytes(), "application/pdf")
    assert resp.json() == {"success": True, "registration_status": "pending", "items_remaining": 0}
    assert (await team_row(container, team.team_id)).status == "pending"
    assert await audit_actions(container) == [
        "team.changes_requested",
        "team.amended",
        "team.amended",
        "team.amended",  # the last upload, then the return to pending
    ]
    messages = await deliver(container, smtp_sink, 2)
    assert str(messages[1]["Subject"]).strip().startswith("Documents received: ICCT-001")

    detail = (await client.get(f"/admin/teams/{team.team_id}", headers=staff.viewer)).json()["data"]
    replaced_docs = {(d["document"], d["player_id"]) for d in detail["documents"] if d["replaced_at"]}
    assert replaced_docs == {("aadhar_file", "ICCT-001-P03"), ("pastor_letter", None)}
    assert all(i["answered_at"] for i in detail["team"]["review"]["items"])


async def test_rotated_forged_and_unknown_links_are_404_alike(
    client: httpx.AsyncClient, container: Container, staff: Staff, smtp_sink: SmtpSink
) -> None:
    team = await create_team(container, players=11)
    await client.put(f"/admin/teams/{team.team_id}/request-changes", json=FLAG_TWO, headers=staff.admin)
    [message] = await deliver(container, smtp_sink, 1)
    old = link_token(message)
    assert (await client.get(f"/api/captain/{old}")).status_code == 200

    resp = await client.post(f"/admin/teams/{team.team_id}/rotate-captain-link", headers=staff.admin)
    assert resp.status_code == 200 and resp.json() == {"success": True, "team_id": team.team_id}
    messages = await deliver(container, smtp_sink, 2)
    new = link_token(messages[1])
    assert new != old

    bodies = []
    for token in (old, old[:-2] + "xx", "not-a-token", new[: len(new) // 2]):
        for resp in (
            await client.get(f"/api/captain/{token}"),
            await client.post(f"/api/captain/{token}/withdraw", json={}),
            await upload(client, token, "pastor_letter", "l.pdf", pdf_bytes(), "application/pdf"),
        ):
            body = assert_problem(resp, 404, "NOT_FOUND")
            bodies.append((body["detail"], body["title"]))
    assert len(set(bodies)) == 1  # no oracle: every refusal says the same
    assert (await client.get(f"/api/captain/{new}")).status_code == 200
    assert (await team_row(container, team.team_id)).status == "changes_requested"


async def test_withdraw_through_the_api_is_final_and_emailed(
    client: httpx.AsyncClient, container: Container, smtp_sink: SmtpSink
) -> None:
    team = await create_team(container, "CSI Christ Church", players=11, status="confirmed")
    token = container.lifecycle.captain_link(team.team_id, 1).rsplit("/", 1)[1]
    resp = await client.post(f"/api/captain/{token}/withdraw", json={"reason": "We cannot travel"})
    assert resp.status_code == 200 and resp.json() == {"success": True, "registration_status": "withdrawn"}
    row = await team_row(container, team.team_id)
    assert (row.status, row.status_reason, row.status_changed_by) == (
        "withdrawn",
        "We cannot travel",
        f"captain:{team.team_id}",
    )
    again = await client.post(f"/api/captain/{token}/withdraw", json={})
    assert again.status_code == 200  # idempotent
    [message] = await deliver(container, smtp_sink, 1)
    assert str(message["Subject"]).strip().startswith("Team withdrawn")
    assert await audit_actions(container) == ["team.withdrawn"]
    churches = (await client.get("/api/churches/availability")).json()["churches"]
    assert [c["team_count"] for c in churches if c["church_name"] == "CSI Christ Church"] == [0]


async def test_a_decision_closes_the_request_for_the_captain(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11)
    await client.put(f"/admin/teams/{team.team_id}/request-changes", json=FLAG_TWO, headers=staff.admin)
    resp = await client.put(f"/admin/teams/{team.team_id}/confirm", headers=staff.admin)
    assert resp.status_code == 200 and resp.json()["registration_status"] == "confirmed"
    token = container.lifecycle.captain_link(team.team_id, 1).rsplit("/", 1)[1]
    view = (await client.get(f"/api/captain/{token}")).json()
    assert (view["registration_status"], view["items"], view["deadline"]) == ("confirmed", [], None)
    resp = await upload(client, token, "pastor_letter", "l.pdf", pdf_bytes(), "application/pdf")
    assert_problem(resp, 409, "INVALID_STATUS_TRANSITION")


async def test_a_missing_optional_document_can_be_requested_and_added(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11, group_photo=False)
    flag = {"items": [{"document": "group_photo", "note": "Please add a team photo"}]}
    assert (
        await client.put(f"/admin/teams/{team.team_id}/request-changes", json=flag, headers=staff.admin)
    ).status_code == 200
    token = container.lifecycle.captain_link(team.team_id, 1).rsplit("/", 1)[1]
    photo = png_bytes((1, 2, 3))
    resp = await upload(client, token, "group_photo", "team.png", photo, "image/png")
    assert resp.json()["registration_status"] == "pending"
    detail = (await client.get(f"/admin/teams/{team.team_id}", headers=staff.viewer)).json()["data"]
    assert detail["team"]["groupPhoto"].endswith("/group_photo.png")
    assert (await client.get(detail["team"]["groupPhoto"])).content == photo


async def test_captain_writes_replay_their_first_answer_under_an_idempotency_key(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=11)
    flag = {"items": [{"document": "pastor_letter", "note": "Not signed"}]}
    await client.put(f"/admin/teams/{team.team_id}/request-changes", json=flag, headers=staff.admin)
    token = container.lifecycle.captain_link(team.team_id, 1).rsplit("/", 1)[1]
    upload = {"pastor_letter": ("letter.pdf", pdf_bytes(), "application/pdf")}
    first = await client.post(
        f"/api/captain/{token}/documents", files=upload, headers={"Idempotency-Key": "upload-1"}
    )
    assert first.status_code == 200, first.text
    # The team is pending again: a second upload would now be refused, yet the retry gets the 200.
    retry = await client.post(
        f"/api/captain/{token}/documents", files=upload, headers={"Idempotency-Key": "upload-1"}
    )
    assert retry.status_code == 200 and retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    fresh = await client.post(f"/api/captain/{token}/documents", files=upload)
    assert_problem(fresh, 409, "INVALID_STATUS_TRANSITION")

    withdraw = await client.post(
        f"/api/captain/{token}/withdraw", json={"reason": "No ground"}, headers={"Idempotency-Key": "w-1"}
    )
    other = await client.post(
        f"/api/captain/{token}/withdraw", json={"reason": "Other"}, headers={"Idempotency-Key": "w-1"}
    )
    assert withdraw.status_code == 200
    assert_problem(other, 422, "IDEMPOTENCY_KEY_REUSED")
    # One upload (its documents, then the team back to pending) and one withdrawal: replays add nothing.
    assert await audit_actions(container) == [
        "team.changes_requested",
        "team.amended",
        "team.amended",
        "team.withdrawn",
    ]
