"""Organisers see the outbox (`GET /admin/emails`) and re-send a team's email over HTTP."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import AuditRecord, TeamRecord
from icct26.adapters.resilience import BreakerRegistry
from icct26.bootstrap import (
    Container,
    build_container_with,
    build_mail_sender,
    build_outbox_worker,
    create_app,
)
from tests.conftest import app_client, make_settings
from tests.support.factories import bearer_for, create_team
from tests.support.outbox_rows import enqueue, outbox_rows
from tests.support.server import free_port
from tests.support.smtp_sink import SmtpSink

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]


def admin(container: Container) -> dict[str, str]:
    return bearer_for(container, 1, "admin@example.org", "admin")


def viewer(container: Container) -> dict[str, str]:
    return bearer_for(container, 2, "viewer@example.org", "viewer")


def assert_problem(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["error_code"] == code and body["success"] is False
    return body


async def test_email_that_keeps_failing_is_marked_failed_and_listed(
    client: httpx.AsyncClient, container: Container, database_url: str, database: Database, tmp_path: Path
) -> None:
    team = await create_team(container, players=11)
    failing_id = await enqueue(database, 1, team_pk=team.pk)
    smtp_settings = make_settings(
        database_url,
        tmp_path / "smtp",
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=free_port(),  # nothing listens: every attempt fails
        SMTP_SECURITY="none",
        OUTBOX_MAX_ATTEMPTS=2,
        OUTBOX_RETRY_BASE_SECONDS=0,
        SMTP_BREAKER_FAIL_MAX=100,
    )
    smtp_worker = build_outbox_worker(
        smtp_settings, database, build_mail_sender(smtp_settings, BreakerRegistry())
    )
    reports = [await smtp_worker.delivery.deliver_due(10) for _ in range(3)]
    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (0, 1), (0, 0)]

    sent_id = await enqueue(database, 2)
    assert (await container.outbox_worker.delivery.deliver_due(10)).sent == 1  # file backend

    listing = await client.get("/admin/emails", headers=admin(container))
    assert listing.status_code == 200, listing.text
    assert listing.headers["cache-control"] == "no-store"
    body = listing.json()
    assert body["success"] is True and body["total"] == 2 and body["page"] == 1
    assert [item["id"] for item in body["data"]] == [sent_id, failing_id]  # newest first

    failed = await client.get("/admin/emails", params={"status": "failed"}, headers=viewer(container))
    assert failed.status_code == 200
    data = failed.json()
    assert failed.json()["total"] == 1
    item = data["data"][0]
    assert item["id"] == failing_id and item["status"] == "failed" and item["attempts"] == 2
    assert item["kind"] == "registration_received" and item["recipient"] == "captain1@example.org"
    assert item["team_id"] == team.team_id
    assert "gave up after 2 attempts" in item["last_error"]
    assert item["sent_at"] is None and item["next_attempt_at"] is None and item["created_at"]

    sent = (await client.get("/admin/emails?status=sent", headers=admin(container))).json()["data"]
    assert [(e["id"], e["team_id"]) for e in sent] == [(sent_id, None)] and sent[0]["sent_at"]

    second_page = await client.get("/admin/emails?page=2&page_size=1", headers=admin(container))
    assert [e["id"] for e in second_page.json()["data"]] == [failing_id]
    assert second_page.json()["page_size"] == 1 and second_page.json()["total"] == 2


async def test_bad_filters_are_validation_errors(client: httpx.AsyncClient, container: Container) -> None:
    body = assert_problem(
        await client.get("/admin/emails?status=lost", headers=admin(container)), 422, "VALIDATION_FAILED"
    )
    assert [e["field"] for e in body["errors"]] == ["status"]
    body = assert_problem(
        await client.get("/admin/emails?page=0&page_size=500", headers=admin(container)),
        422,
        "VALIDATION_FAILED",
    )
    assert sorted(e["field"] for e in body["errors"]) == ["page", "page_size"]


async def test_outbox_and_resend_need_staff_and_resend_needs_admin(
    client: httpx.AsyncClient, container: Container
) -> None:
    team = await create_team(container, players=11)
    assert_problem(await client.get("/admin/emails"), 401, "UNAUTHORIZED")
    assert_problem(await client.post(f"/admin/teams/{team.team_id}/resend-email"), 401, "UNAUTHORIZED")
    assert_problem(
        await client.post(f"/admin/teams/{team.team_id}/resend-email", headers=viewer(container)),
        403,
        "FORBIDDEN",
    )
    assert await outbox_rows(container.database) == []


@pytest.mark.parametrize(
    ("status", "kind"),
    [("pending", "registration_received"), ("confirmed", "team_confirmed"), ("rejected", "team_rejected")],
)
async def test_resend_queues_the_email_of_the_current_status(
    client: httpx.AsyncClient, container: Container, settings: Any, status: str, kind: str
) -> None:
    team = await create_team(container, players=11, status=status)  # type: ignore[arg-type]
    if status == "rejected":
        async with container.database.sessionmaker() as session, session.begin():
            await session.execute(
                update(TeamRecord).where(TeamRecord.id == team.pk).values(status_reason="Receipt unreadable")
            )

    resp = await client.post(
        f"/admin/teams/{team.team_id}/resend-email", headers={**admin(container), "X-Request-ID": "resend-1"}
    )
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["success"] is True and body["team_id"] == team.team_id
    assert body["email_notification"] == "queued" and team.team_id in body["message"]

    [row] = await outbox_rows(container.database)
    assert (row.kind, row.recipient, row.team_pk, row.status) == (
        kind,
        team.captain_email,
        team.pk,
        "pending",
    )
    assert row.context["team_id"] == team.team_id
    async with container.database.sessionmaker() as session:
        audit = (await session.scalars(select(AuditRecord))).all()
    assert [(a.action, a.target_id, a.actor_email, a.request_id) for a in audit] == [
        ("team.resend_email", team.team_id, "admin@example.org", "resend-1")
    ]

    # the queued email is deliverable and says what it should
    assert (await container.outbox_worker.delivery.deliver_due(10)).sent == 1
    [eml] = (settings.runtime.data_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert team.team_id in message["Subject"]
    text = message.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    if status == "confirmed":
        assert all(pid in content for pid in team.player_ids)
    if status == "rejected":
        assert "Receipt unreadable" in content


async def test_resend_for_an_unknown_team_is_404(client: httpx.AsyncClient, container: Container) -> None:
    body = assert_problem(
        await client.post("/admin/teams/ICCT-999/resend-email", headers=admin(container)),
        404,
        "TEAM_NOT_FOUND",
    )
    assert "ICCT-999" in body["detail"]
    assert await outbox_rows(container.database) == []


async def test_in_process_worker_runs_with_the_app_and_stops_with_it(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    sink = SmtpSink().start()
    settings = make_settings(
        database_url,
        tmp_path / "app",
        OUTBOX_WORKER="inprocess",
        OUTBOX_POLL_SECONDS=30,  # only the wake-up after the resend can deliver in time
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=sink.port,
        SMTP_SECURITY="none",
    )
    container = await build_container_with(settings, database)
    try:
        team = await create_team(container, players=11, status="confirmed")
        async with app_client(create_app(container=container)) as c:
            # The app runs the outbox worker and, beside it, the writer of the document view record.
            assert [t.get_name() for t in container.background] == ["outbox-worker", "document-access-writer"]
            resp = await c.post(f"/admin/teams/{team.team_id}/resend-email", headers=admin(container))
            assert resp.status_code == 202
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not sink.messages:
                await asyncio.sleep(0.05)
        assert container.background == []  # the lifespan stopped the worker
        [message] = sink.messages
        # (a long Subject arrives folded; Python's parser keeps the fold's leading space)
        assert message["Subject"].strip().startswith(f"Team confirmed: {team.team_id}")
        [row] = await outbox_rows(database)
        assert row.status == "sent" and row.message_id == message["Message-ID"]
    finally:
        await container.close(dispose_database=False)
        sink.stop()


async def test_smtp_breaker_state_is_exported_to_metrics(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url, tmp_path / "m", EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_SECURITY="none"
    )
    container = await build_container_with(settings, database)
    try:
        async with app_client(create_app(container=container)) as c:
            text = (await c.get("/metrics")).text
        assert 'icct26_circuit_breaker_state{name="smtp"} 0.0' in text
    finally:
        await container.close(dispose_database=False)


async def test_resend_with_an_idempotency_key_queues_once(
    client: httpx.AsyncClient, container: Container
) -> None:
    team = await create_team(container, players=11, status="confirmed")
    headers = {**admin(container), "Idempotency-Key": "resend-abc"}
    first = await client.post(f"/admin/teams/{team.team_id}/resend-email", headers=headers)
    again = await client.post(f"/admin/teams/{team.team_id}/resend-email", headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.headers["cache-control"] == "no-store"
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(await outbox_rows(container.database)) == 1
    # without a key, each request is a new resend
    await client.post(f"/admin/teams/{team.team_id}/resend-email", headers=admin(container))
    assert len(await outbox_rows(container.database)) == 2
