"""Two `icct26 worker` processes on one outbox: every email reaches the SMTP server exactly once,
and SIGTERM stops each worker cleanly (exit status 0)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from icct26.adapters.db.engine import Database
from tests.support.outbox_rows import enqueue, outbox_rows
from tests.support.smtp_sink import SmtpSink
from tests.support.worker_process import WorkerProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        server.set_delay(0.05)  # slow enough that both workers get a share
        yield server


async def test_two_worker_processes_send_each_email_exactly_once(
    database_url: str, database: Database, tmp_path: Path, sink: SmtpSink
) -> None:
    workers = [WorkerProcess(database_url, tmp_path / f"w{i}", sink.port) for i in (1, 2)]
    try:
        for worker in workers:
            await asyncio.to_thread(worker.wait_started)
        ids = [await enqueue(database, n) for n in range(1, 21)]

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(r.status == "sent" for r in await outbox_rows(database)):
                break
            await asyncio.sleep(0.1)
    finally:
        codes = [await asyncio.to_thread(w.stop) for w in workers]
    assert codes == [0, 0], [w.log_path.read_text() for w in workers]

    rows = await outbox_rows(database)
    assert [r.status for r in rows] == ["sent"] * 20
    messages = sink.wait_for(20, timeout=2)
    assert len(messages) == 20
    assert sorted(m["Message-ID"] for m in messages) == sorted(r.message_id for r in rows)
    assert all(r.attempts == 1 for r in rows)

    sent_by = [{line["outbox_id"] for line in w.logged("outbox email sent")} for w in workers]
    assert sent_by[0].isdisjoint(sent_by[1])
    assert sent_by[0] | sent_by[1] == set(ids)
    assert all(sent_by), "both workers should have taken part"
    assert all(w.logged("outbox worker stopped") for w in workers)
