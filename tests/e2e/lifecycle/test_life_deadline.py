"""The deadline job: overdue change requests are rejected by the worker loop (once, whatever the
number of workers), the slot goes to the earliest waiting team of that church, emails go out; and the
exports show status, review notes and waitlist positions."""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
import pytest

from icct26.bootstrap import Container
from tests.e2e.lifecycle.conftest import Staff, deliver, text_of
from tests.support.factories import create_team
from tests.support.registration_forms import execute, fetch
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio
CHURCH = "CSI Immanuel Church"
FLAG = {"items": [{"document": "payment_receipt", "note": "Amount is wrong"}]}


async def overdue(container: Container, team_id: str) -> None:
    await execute(
        container.database,
        "UPDATE teams SET review_deadline = now() - interval '1 minute' WHERE team_id = :t",
        t=team_id,
    )


async def test_deadline_passes_team_rejected_slot_freed_next_team_promoted_and_emailed(
    client: httpx.AsyncClient, container: Container, staff: Staff, smtp_sink: SmtpSink
) -> None:
    late = await create_team(container, CHURCH, players=11)
    await create_team(container, CHURCH, players=11)
    first_waiting = await create_team(container, CHURCH, players=11, status="waitlisted")
    await create_team(container, CHURCH, players=11, status="waitlisted")
    for _ in range(2):  # the other church is full too: its waiting team stays where it is
        await create_team(container, "CSI Christ Church", players=11)
    other_church = await create_team(container, "CSI Christ Church", players=11, status="waitlisted")
    resp = await client.put(f"/admin/teams/{late.team_id}/request-changes", json=FLAG, headers=staff.admin)
    assert resp.status_code == 200
    await deliver(container, smtp_sink, 1)

    await container.outbox_worker.run_jobs()  # not yet due: nothing happens
    assert (await fetch(container.database, "SELECT status FROM teams WHERE seq = 1"))[0].status == (
        "changes_requested"
    )
    await overdue(container, late.team_id)
    container.outbox_worker.jobs[0].next_at = 0  # due now (DEADLINE_SWEEP_SECONDS has passed)
    await container.outbox_worker.run_jobs()

    rows = await fetch(container.database, "SELECT team_id, status, status_reason FROM teams ORDER BY seq")
    by_id = {r.team_id: (r.status, r.status_reason) for r in rows}
    assert by_id[late.team_id][0] == "rejected"
    assert by_id[late.team_id][1].startswith("No changes received by ")
    assert by_id[first_waiting.team_id] == ("pending", None)
    assert [by_id[t][0] for t in ("ICCT-004", other_church.team_id)] == ["waitlisted", "waitlisted"]
    assert other_church.team_id == "ICCT-007"
    audit = await fetch(
        container.database, "SELECT action, target_id, actor_email FROM audit_log ORDER BY id"
    )
    assert [(a.action, a.target_id) for a in audit][1:] == [
        ("team.expired", late.team_id),
        ("team.promoted", first_waiting.team_id),
    ]
    assert audit[1].actor_email == "system"
    messages = await deliver(container, smtp_sink, 3)
    sent = {(m["To"], str(m["Subject"]).strip().split(":")[0]) for m in messages[1:]}
    assert sent == {
        (late.captain_email, "Registration not accepted"),
        (first_waiting.captain_email, "Off the waiting list"),
    }
    rejected = next(m for m in messages[1:] if m["To"] == late.captain_email)
    assert "No changes received by" in text_of(rejected)

    # Exports: status, review notes and the live waitlist position.
    export = await client.get("/admin/teams/export", params={"format": "csv"}, headers=staff.viewer)
    rows_by_team = {row["team_id"]: row for row in csv.DictReader(io.StringIO(export.text))}
    assert rows_by_team[late.team_id]["registration_status"] == "rejected"
    assert rows_by_team[late.team_id]["review_notes"] == "payment_receipt: Amount is wrong"
    assert rows_by_team["ICCT-004"]["waitlist_position"] == "1"
    assert rows_by_team[other_church.team_id]["waitlist_position"] == "1"  # its own church's queue
    assert rows_by_team[first_waiting.team_id]["waitlist_position"] == ""


async def test_several_workers_expire_each_team_once(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    teams = [await create_team(container, f"CSI Church {i}", players=11) for i in range(4)]
    for team in teams:
        resp = await client.put(
            f"/admin/teams/{team.team_id}/request-changes", json=FLAG, headers=staff.admin
        )
        assert resp.status_code == 200
        await overdue(container, team.team_id)
    counts = await asyncio.gather(*(container.lifecycle.expire_overdue() for _ in range(3)))
    assert sum(counts) == 4
    expired = await fetch(
        container.database, "SELECT count(*) AS n FROM audit_log WHERE action = 'team.expired'"
    )
    emails = await fetch(
        container.database, "SELECT count(*) AS n FROM email_outbox WHERE kind = 'team_rejected'"
    )
    assert expired[0].n == 4 and emails[0].n == 4


async def test_the_sweep_promotes_into_room_that_appeared_without_a_leave(
    client: httpx.AsyncClient, container: Container
) -> None:
    for _ in range(2):
        await create_team(container, CHURCH, players=11)
    waiting = await create_team(container, CHURCH, players=11, status="waitlisted")
    await execute(container.database, "UPDATE churches SET max_teams = 3 WHERE name = :n", n=CHURCH)
    container.outbox_worker.jobs[0].next_at = 0
    await container.outbox_worker.run_jobs()
    rows = await fetch(container.database, "SELECT status FROM teams WHERE team_id = :t", t=waiting.team_id)
    assert rows[0].status == "pending"
    availability = (await client.get("/api/churches/availability")).json()["churches"]
    assert [(c["team_count"], c["waitlisted"]) for c in availability if c["church_name"] == CHURCH] == [
        (3, 0)
    ]
