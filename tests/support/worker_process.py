"""`icct26 worker` (the outbox email worker) as a real subprocess on 127.0.0.1, sending to an SMTP
server on `smtp_port`; its JSON log lines are readable for assertions.

    worker = WorkerProcess(database_url, tmp_path / "w1", sink.port)
    worker.wait_started()
    ...
    assert worker.stop() == 0      # SIGTERM: the current send finishes, the process exits 0
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from icct26.config import ENV_NAMES


class WorkerProcess:
    def __init__(self, database_url: str, data_dir: Path, smtp_port: int, **settings: Any) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / "worker.log"
        env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
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
        env.update({k.upper(): str(v) for k, v in settings.items()})
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
