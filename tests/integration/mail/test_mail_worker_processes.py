"""Two `icct26 worker` processes on one outbox: every email reaches the SMTP server exactly once,
and SIGTERM stops each worker cleanly (exit status 0)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from icct26.adapters.db.engine import Database
from icct26.config import Settings
from tests.support.outbox_rows import enqueue, outbox_rows
from tests.support.smtp_sink import SmtpSink

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
SETTINGS_NAMES = frozenset(Settings.__struct_encode_fields__)


class WorkerProcess:
    def __init__(self, database_url: str, data_dir: Path, smtp_port: int) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / "worker.log"
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS_NAMES}
        env.update(
            {
                "ENVIRONMENT": "test",
                "DATABASE_URL": database_url,
                "DATA_DIR": str(data_dir),
                "EMAIL_BACKEND": "smtp",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "SMTP_SECURITY": "none",
                "OUTBOX_POLL_SECONDS": "0.1",
                "OUTBOX_BATCH_SIZE": "2",
                "LOG_LEVEL": "INFO",
                "LOG_JSON": "true",
            }
        )
        with self.log_path.open("wb") as log:
            # cwd is the data directory, so no developer `.env` is read
            self.process = subprocess.Popen(
                [sys.executable, "-m", "icct26.cli", "worker"],
                cwd=data_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
        return lines

    def logged(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.log_lines() if line.get("message") == message]

    def wait_started(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.logged("outbox worker started"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker did not start:\n{self.log_path.read_text()}")

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    server.set_delay(0.05)  # slow enough that both workers get a share
    try:
        yield server
    finally:
        server.stop()


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
