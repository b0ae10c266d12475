"""The waiting list over HTTP: a full church offers it, positions are live, and a leaving team lets the
earliest waiting team of that church move up (audited and emailed)."""

from __future__ import annotations

import httpx
import pytest

from icct26.bootstrap import Container
from tests.e2e.lifecycle.conftest import Staff, deliver, link_token, text_of
from tests.e2e.test_foundation import assert_problem
from tests.support.registration_forms import RegistrationForm, fetch, post_form
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio
CHURCH = "CSI Immanuel Church"


def form(n: int, church: str = CHURCH, waitlist: bool = False) -> RegistrationForm:
    registration = RegistrationForm.valid(n, church=church)
    if waitlist:
        registration.fields["waitlist"] = "true"
    return registration


async def statuses(container: Container) -> dict[str, str]:
    rows = await fetch(container.database, "SELECT team_id, status FROM teams ORDER BY seq")
    return {row.team_id: row.status for row in rows}


async def test_full_church_offers_the_waiting_list_and_promotes_in_order(
    client: httpx.AsyncClient, container: Container, staff: Staff, smtp_sink: SmtpSink
) -> None:
    for n in (1, 2):
        assert (await post_form(client, form(n))).status_code == 201
    # The unchanged frontend: a full church is still 409 "Maximum 2 teams", now offering the list.
    body = assert_problem(await post_form(client, form(3)), 409, "CHURCH_LIMIT_REACHED")
    assert "Maximum 2 teams already registered for CSI Immanuel Church" in body["message"]
    assert body["waitlist_available"] is True

    first = await post_form(client, form(3, waitlist=True))
    assert first.status_code == 201, first.text
    assert first.json()["registration_status"] == "waitlisted" and first.json()["waitlist_position"] == 1
    second = (await post_form(client, form(4, waitlist=True))).json()
    assert (second["team_id"], second["waitlist_position"]) == ("ICCT-004", 2)
    # Another church with room: waitlist=true is an ordinary registration.
    other = (await post_form(client, form(5, church="CSI Christ Church", waitlist=True))).json()
    assert other["registration_status"] == "pending" and "waitlist_position" not in other

    availability = (await client.get("/api/churches/availability")).json()["churches"]
    mine = next(c for c in availability if c["church_name"] == CHURCH)
    assert (mine["team_count"], mine["locked"], mine["waitlisted"]) == (2, True, 2)
    status = (await client.get("/api/registration/status")).json()
    assert status["active_teams"] == 3 and status["max_teams_total"] is None

    emails = await deliver(container, smtp_sink, 5)
    waiting_email = next(m for m in emails if m["To"] == "captain3@example.com")
    assert "WAITING LIST" in text_of(waiting_email)
    token = link_token(waiting_email)
    assert (await client.get(f"/api/captain/{token}")).json()["waitlist_position"] == 1

    # The organisers reject ICCT-001: ICCT-003 moves up in the same transaction, ICCT-004 is next.
    resp = await client.put("/admin/teams/ICCT-001/reject", json={"reason": "Duplicate"}, headers=staff.admin)
    assert resp.status_code == 200, resp.text
    assert await statuses(container) == {
        "ICCT-001": "rejected",
        "ICCT-002": "pending",
        "ICCT-003": "pending",
        "ICCT-004": "waitlisted",
        "ICCT-005": "pending",
    }
    view = (await client.get(f"/api/captain/{token}")).json()
    assert view["registration_status"] == "pending" and view["waitlist_position"] is None
    audit = await fetch(
        container.database, "SELECT action, target_id, actor_email FROM audit_log ORDER BY id"
    )
    assert [(a.action, a.target_id, a.actor_email) for a in audit] == [
        ("team.reject", "ICCT-001", "admin@example.org"),
        ("team.promoted", "ICCT-003", "system"),
    ]
    emails = await deliver(container, smtp_sink, 7)
    promoted = [m for m in emails if str(m["Subject"]).strip().startswith("Off the waiting list")]
    assert [m["To"] for m in promoted] == ["captain3@example.com"]
    four = (
        await fetch(container.database, "SELECT captain_link_version FROM teams WHERE team_id='ICCT-004'")
    )[0]
    assert four.captain_link_version == 1
    four_token = container.lifecycle.captain_link("ICCT-004", 1).rsplit("/", 1)[1]
    assert (await client.get(f"/api/captain/{four_token}")).json()["waitlist_position"] == 1


async def test_a_replayed_waitlisted_registration_answers_as_the_first_did(
    client: httpx.AsyncClient, container: Container
) -> None:
    for n in (1, 2):
        assert (await post_form(client, form(n))).status_code == 201
    first = await post_form(client, form(3, waitlist=True), key="wait-3")
    retry = await post_form(client, form(3, waitlist=True), key="wait-3")
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert (retry.json()["registration_status"], retry.json()["waitlist_position"]) == ("waitlisted", 1)
    assert list((await statuses(container)).values()) == ["pending", "pending", "waitlisted"]
