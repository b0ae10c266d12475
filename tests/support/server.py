"""Real server processes for tests: `icct26 serve` (plus probe routes) as a subprocess on 127.0.0.1.

    server = ServerProcess(database_url, tmp_path, RATE_LIMIT_ENABLED="true")
    server.start()            # waits until /health/live answers
    ... httpx against server.url ...
    server.stop()             # SIGTERM, then the exit code

`running_server(...)` is the context-manager form. Each process gets a free port, its own DATA_DIR and
an environment built only from the given settings (the developer's `.env` and shell settings are not
read: the process runs in its data directory, with settings variables stripped from the environment).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from icct26.config import Settings

REPO = Path(__file__).resolve().parents[2]
_SETTINGS_NAMES = frozenset(Settings.__struct_encode_fields__)
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, database_url: str, data_dir: Path, **settings: Any) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_NAMES}
        env.update(
            {
                "ENVIRONMENT": "test",
                "DATABASE_URL": database_url,
                "DATA_DIR": str(data_dir),
                "OUTBOX_WORKER": "off",
                "LOG_LEVEL": "WARNING",
                "RATE_LIMIT_ENABLED": "false",
                "SHUTDOWN_GRACE_SECONDS": "20",
                "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
            }
        )
        env.update({k.upper(): str(v) for k, v in settings.items()})
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        """`icct26 serve` with the probe routes, one worker (the server process is the app's)."""
        main = [sys.executable, "-m", "tests.support.server_main", "serve"]
        return [*main, "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]

    def start(self) -> ServerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.data_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_live()
        return self

    async def astart(self) -> ServerProcess:
        """`start` for async tests whose event loop must keep running (e.g. it hosts a TcpProxy)."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.data_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        async with httpx.AsyncClient(base_url=self.url, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
                try:
                    if (await client.get("/health/live")).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start within {STARTUP_SECONDS}s:\n{self.log()}")

    def _wait_until_live(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/health/live", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server did not start within {STARTUP_SECONDS}s:\n{self.log()}")

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait; kill if it does not stop. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    async def astop(self, timeout: float = 30.0) -> int | None:
        """`stop` without blocking the event loop (which may host a TcpProxy the server still uses)."""
        return await asyncio.to_thread(self.stop, timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_server(database_url: str, data_dir: Path, **settings: Any) -> Iterator[ServerProcess]:
    server = ServerProcess(database_url, data_dir, **settings).start()
    try:
        yield server
    finally:
        server.stop()


def connection_refused(port: int) -> bool:
    """True when nothing accepts TCP connections on 127.0.0.1:port any more."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return False
    except OSError:
        return True
