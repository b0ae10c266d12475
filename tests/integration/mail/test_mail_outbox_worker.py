"""The outbox worker against real PostgreSQL and a real SMTP server on loopback (aiosmtpd).

Nothing a captain is owed may be lost when SMTP misbehaves, and nothing may be sent twice.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.db.outbox_repository import SqlOutboxStore
from icct26.adapters.mail.smtp import SmtpConfig, SmtpSender
from icct26.adapters.mail.worker import OutboxWorker
from icct26.adapters.resilience import BreakerRegistry
from icct26.bootstrap import build_mail_sender, build_outbox_worker
from icct26.domain.email import OutboxEmail, SenderUnavailable, TransientDeliveryError
from tests.conftest import make_settings
from tests.support.outbox_rows import enqueue, outbox_rows, received_context
from tests.support.server import free_port
from tests.support.smtp_sink import ConnectionGate, SmtpSink

pytestmark = pytest.mark.asyncio


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def smtp_worker(
    database_url: str, database: Database, data_dir: Path, port: int, **overrides: Any
) -> tuple[OutboxWorker, BreakerRegistry]:
    settings = make_settings(
        database_url,
        data_dir,
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT_SECONDS=5,
        OUTBOX_RETRY_BASE_SECONDS=0,
        **overrides,
    )
    breakers = BreakerRegistry()
    return build_outbox_worker(settings, database, build_mail_sender(settings, breakers)), breakers


async def deliver_until(
    workers: list[OutboxWorker], done: Callable[[], Awaitable[bool]], timeout: float = 30.0
) -> None:
    """Run delivery rounds (all workers concurrently) until `done()` or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.gather(*(w.delivery.deliver_due(w.batch_size) for w in workers))
        if await done():
            return
        await asyncio.sleep(0.02)


def all_in(database: Database, status: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all(row.status == status for row in await outbox_rows(database))

    return check


async def test_each_row_arrives_exactly_once_with_team_id_in_subject_and_body(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    worker, _ = smtp_worker(database_url, database, tmp_path, sink.port)
    for n in (1, 2):
        await enqueue(database, n)
    await enqueue(database, 3, context=received_context(3, player_name="<script>alert('x')</script>"))

    report = await worker.delivery.deliver_due(10)
    assert (report.claimed, report.sent) == (3, 3)
    again = await worker.delivery.deliver_due(10)
    assert again.claimed == 0

    messages = sink.wait_for(3)
    assert len(messages) == 3
    by_team = {m["Subject"].split()[2]: m for m in messages}
    assert sorted(by_team) == ["ICCT-001", "ICCT-002", "ICCT-003"]
    for team_id, message in by_team.items():
        assert message["To"] == f"captain{int(team_id[-3:])}@example.org"
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None
        assert team_id in text.get_content() and team_id in html.get_content()
    html3 = by_team["ICCT-003"].get_body(("html",))
    assert html3 is not None
    assert "<script>" not in html3.get_content()
    assert "&lt;script&gt;" in html3.get_content()

    rows = await outbox_rows(database)
    assert all(r.status == "sent" and r.sent_at is not None and r.attempts == 1 for r in rows)
    assert {r.message_id for r in rows} == {m["Message-ID"] for m in messages}


async def test_smtp_down_loses_nothing_and_each_email_arrives_once_when_it_returns(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here yet
    worker, breakers = smtp_worker(
        database_url,
        database,
        tmp_path,
        port,
        SMTP_BREAKER_FAIL_MAX=3,
        SMTP_BREAKER_RESET_SECONDS=0.3,
        OUTBOX_MAX_ATTEMPTS=50,
    )
    ids = [await enqueue(database, n) for n in range(1, 6)]
    for _ in range(4):
        await worker.delivery.deliver_due(10)
    rows = await outbox_rows(database)
    assert [r.id for r in rows] == ids
    assert all(r.status == "pending" and r.last_error for r in rows), [(r.status, r.last_error) for r in rows]
    assert breakers["smtp"].state == "open"

    sink = SmtpSink(port).start()
    try:
        await deliver_until([worker], all_in(database, "sent"))
        messages = sink.wait_for(5, timeout=2)
    finally:
        sink.stop()
    rows = await outbox_rows(database)
    assert all(r.status == "sent" for r in rows)
    assert len(messages) == 5
    assert sorted(m["Message-ID"] for m in messages) == sorted(r.message_id for r in rows)
    assert len({m["Message-ID"] for m in messages}) == 5
    assert breakers["smtp"].state == "closed"


async def test_breaker_fails_fast_without_connecting_and_closes_after_reset(sink: SmtpSink) -> None:
    gate = await ConnectionGate().start()
    try:
        breaker = BreakerRegistry().get("smtp", fail_max=3, reset_seconds=0.3)
        sender = SmtpSender(SmtpConfig("127.0.0.1", gate.port, "none", timeout_seconds=5), breaker)

        def message(n: int) -> EmailMessage:
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "a@icct26.local", f"b{n}@example.org", f"ICCT-{n:03d}"
            m["Message-ID"] = f"<{n}@icct26.local>"
            m.set_content("hello")
            return m

        outcomes: list[type[Exception]] = []
        for n in range(8):
            with pytest.raises((TransientDeliveryError, SenderUnavailable)) as info:
                await sender.send(message(n))
            outcomes.append(type(info.value))
        # exactly fail_max connection attempts; every later send failed fast without one
        assert gate.connections == 3
        assert breaker.state == "open"
        assert outcomes[-5:] == [SenderUnavailable] * 5

        gate.upstream_port = sink.port  # the server is back
        await asyncio.sleep(0.35)  # wait out the reset timeout
        await sender.send(message(99))
        assert gate.connections == 4
        assert breaker.state == "closed"
        assert [m["Subject"] for m in sink.wait_for(1)] == ["ICCT-099"]
    finally:
        await gate.stop()


async def test_while_the_breaker_is_open_rows_are_deferred_not_counted(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    gate = await ConnectionGate().start()
    try:
        worker, breakers = smtp_worker(
            database_url,
            database,
            tmp_path,
            gate.port,
            SMTP_BREAKER_FAIL_MAX=1,
            SMTP_BREAKER_RESET_SECONDS=3600,
            OUTBOX_MAX_ATTEMPTS=2,
        )
        for n in range(1, 5):
            await enqueue(database, n)
        reports = [await worker.delivery.deliver_due(10) for _ in range(3)]
    finally:
        await gate.stop()
    assert gate.connections == 1
    assert reports[0].retried == 1 and reports[0].deferred == 3
    # later rounds only defer (row 1 was due again at once): no attempt, no failure
    assert all(r.sent == r.retried == r.failed == 0 for r in reports[1:])
    rows = await outbox_rows(database)
    assert [r.status for r in rows] == ["pending"] * 4
    assert [r.attempts for r in rows] == [1, 0, 0, 0]
    # the breaker says "try again in an hour": nothing is due before then
    assert all(r.next_attempt_at > r.updated_at + timedelta(minutes=50) for r in rows)
    assert (await worker.delivery.deliver_due(10)).claimed == 0
    assert breakers["smtp"].state == "open"


async def test_refused_recipient_fails_at_once_and_does_not_trip_the_breaker(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    worker, breakers = smtp_worker(database_url, database, tmp_path, sink.port, SMTP_BREAKER_FAIL_MAX=1)
    await enqueue(database, 1, recipient="bounce@example.org")
    await enqueue(database, 2)
    report = await worker.delivery.deliver_due(10)
    assert (report.failed, report.sent) == (1, 1)
    bounced, delivered = await outbox_rows(database)
    assert bounced.status == "failed" and bounced.attempts == 1 and "550" in (bounced.last_error or "")
    assert delivered.status == "sent"
    assert breakers["smtp"].state == "closed"
    assert len(sink.wait_for(1)) == 1


async def test_expired_lease_is_reclaimed_and_the_stale_claim_cannot_overwrite(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    worker, _ = smtp_worker(database_url, database, tmp_path, sink.port)
    store = SqlOutboxStore(database)
    await enqueue(database, 1)
    await enqueue(database, 2)
    # One worker holds row 1 with a live lease: it must not be touched.
    live = await store.claim_due(1, timedelta(minutes=5))
    # Another claimed row 2 and crashed: its lease has run out.
    stale = await store.claim_due(1, timedelta(0))
    assert [e.id for e in live] == [1] and [e.id for e in stale] == [2]

    report = await worker.delivery.deliver_due(10)
    assert (report.claimed, report.sent) == (1, 1)
    await store.reschedule(stale[0], timedelta(0), "late outcome of the crashed worker")
    await store.mark_failed(stale[0], "late outcome of the crashed worker")

    rows = {r.id: r for r in await outbox_rows(database)}
    reclaimed, held = rows[stale[0].id], rows[live[0].id]
    assert reclaimed.status == "sent" and reclaimed.attempts == 2 and reclaimed.last_error is None
    assert held.status == "sending" and held.attempts == 1
    assert len(sink.wait_for(1)) == 1


async def test_concurrent_workers_never_share_a_row(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    workers = [
        smtp_worker(database_url, database, tmp_path / str(i), sink.port, OUTBOX_BATCH_SIZE=3)[0]
        for i in range(4)
    ]
    for n in range(1, 41):
        await enqueue(database, n)
    await deliver_until(workers, all_in(database, "sent"))
    messages = sink.wait_for(40, timeout=5)
    assert len(messages) == 40
    assert len({m["Message-ID"] for m in messages}) == 40
    assert all(r.attempts == 1 for r in await outbox_rows(database))


async def test_cancelling_the_worker_finishes_the_current_send_and_hands_back_the_rest(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    worker, _ = smtp_worker(database_url, database, tmp_path, sink.port, OUTBOX_POLL_SECONDS=0.05)
    for n in range(1, 4):
        await enqueue(database, n)
    sink.set_delay(0.5)
    task = asyncio.create_task(worker.run())
    assert await asyncio.to_thread(sink.receiving.wait, 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    first, *rest = await outbox_rows(database)
    assert first.status == "sent"
    assert [(r.status, r.attempts, r.locked_until) for r in rest] == [("pending", 0, None)] * 2
    assert [m["Subject"].split()[2] for m in sink.messages] == ["ICCT-001"]


async def test_request_stop_leaves_the_loop_after_the_current_round(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    worker, _ = smtp_worker(database_url, database, tmp_path, sink.port, OUTBOX_POLL_SECONDS=30)
    task = asyncio.create_task(worker.run())
    await enqueue(database, 1)
    worker.wake()
    await deliver_until([], all_in(database, "sent"), timeout=20)
    worker.request_stop()
    await asyncio.wait_for(task, timeout=10)  # returns, no cancellation needed
    assert len(sink.wait_for(1)) == 1


async def test_file_backend_writes_one_eml_per_row(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path / "data")
    assert settings.mail.effective_backend == "file"
    worker = build_outbox_worker(settings, database, build_mail_sender(settings, BreakerRegistry()))
    await enqueue(database, 1)
    await enqueue(database, 2, kind="team_rejected", context={**received_context(2), "reason": "Late"})
    assert (await worker.delivery.deliver_due(10)).sent == 2

    files = sorted((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(files) == 2
    subjects = sorted(
        str(email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"]) for f in files
    )
    assert subjects == [
        "Registration not accepted: ICCT-002 Team 2 Lions - ICCT26 Church Cricket Tournament",
        "Registration received: ICCT-001 Team 1 Lions - ICCT26 Church Cricket Tournament",
    ]
    rows = await outbox_rows(database)
    assert all(r.status == "sent" for r in rows)
    # sending the same row again rewrites its file instead of adding one
    row = rows[0]
    again = OutboxEmail(row.id, row.kind, row.recipient, row.context, 2, row.created_at, row.updated_at)
    await worker.delivery.sender.send(worker.delivery.composer.compose(again))
    assert len(list((tmp_path / "data" / "outbox").glob("*.eml"))) == 2
