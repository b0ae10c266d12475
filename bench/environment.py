"""The database and the server process a bench run measures.

Database: with `BENCH_DATABASE_URL` (or `DATABASE_URL`) a fresh database is created on that server for
the run and dropped afterwards; otherwise the app's embedded PostgreSQL runs under the run's temporary
DATA_DIR (the bench starts it first, so it can seed it; `icct26` reuses the running cluster).
Server: the real `icct26 serve` on 127.0.0.1, several workers, started by the tests' ServerProcess
helper (free port, environment built only from the given settings).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
from tests.support.server import ServerProcess

from icct26.adapters.db.embedded import EmbeddedPostgres
from icct26.adapters.db.engine import to_async_url

# The fan-out scenario holds hundreds of event streams from one address.
SERVER_SETTINGS = {
    "RATE_LIMIT_ENABLED": "false",
    "OUTBOX_WORKER": "off",
    "LOG_LEVEL": "WARNING",
    "SSE_MAX_PER_IP": "1000",
}


def plain_url(url: str) -> str:
    return to_async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


async def connect(url: str) -> asyncpg.Connection:
    """asyncpg connection from a (possibly unix-socket `?host=`) URL."""
    base, _, query = plain_url(url).partition("?")
    host = parse_qs(query).get("host", [None])[0]
    return await (asyncpg.connect(base, host=host) if host else asyncpg.connect(base))


async def create_pool(url: str, size: int) -> asyncpg.Pool:
    base, _, query = plain_url(url).partition("?")
    host = parse_qs(query).get("host", [None])[0]
    kwargs: dict[str, Any] = {"min_size": size, "max_size": size}
    if host:
        kwargs["host"] = host
    pool = await asyncpg.create_pool(base, **kwargs)
    assert pool is not None
    return pool


class BenchDatabase:
    """A database of its own for one run; `url` is a postgresql+asyncpg URL."""

    def __init__(self, data_dir: Path, server_url: str | None) -> None:
        self.data_dir = data_dir
        self.server_url = server_url
        self.name = f"icct26_bench_{uuid.uuid4().hex[:10]}"
        self.embedded: EmbeddedPostgres | None = None
        self.url = ""

    @property
    def kind(self) -> str:
        return "external" if self.server_url else "embedded"

    def start(self) -> str:
        if self.server_url:
            asyncio.run(self._run_sql(f'CREATE DATABASE "{self.name}"'))
            self.url = to_async_url(with_database(self.server_url, self.name))
        else:
            self.embedded = EmbeddedPostgres(self.data_dir)
            self.url = self.embedded.start()
        return self.url

    def postmaster_pid(self) -> int | None:
        """The embedded cluster's main process (for CPU accounting); None for an external server."""
        if self.embedded is None:
            return None
        pid_file = self.embedded.pgdata / "postmaster.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def stop(self) -> None:
        if self.server_url:
            asyncio.run(self._run_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        elif self.embedded is not None:
            postmaster = self.postmaster_pid()
            self.embedded.stop()
            if postmaster is not None:
                _stop_leftover(postmaster)

    async def _run_sql(self, sql: str) -> None:
        assert self.server_url is not None
        conn = await connect(self.server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def describe(self) -> str:
        if self.server_url:
            parts = urlsplit(plain_url(self.server_url))
            return (
                f"external PostgreSQL at {parts.hostname or 'socket'}:{parts.port or 5432} (db {self.name})"
            )
        return f"embedded PostgreSQL under {self.data_dir / 'pgdata'}"


def _stop_leftover(pid: int, wait_seconds: float = 10.0) -> None:
    """The cluster stops with its last user; if a killed user left its mark, stop it ourselves."""
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return  # already gone (and the number reused)
        os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
    except (FileNotFoundError, ProcessLookupError):
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


class BenchServer(ServerProcess):
    """`icct26 serve --workers N` (the production command, no test probes) on 127.0.0.1."""

    def __init__(self, database: BenchDatabase, data_dir: Path, workers: int = 2) -> None:
        super().__init__(database.url, data_dir, WORKERS=workers, **SERVER_SETTINGS)
        self.workers = workers
        if database.kind == "embedded":
            # DATABASE_URL unset: the app resolves its embedded server under DATA_DIR itself.
            self.env.pop("DATABASE_URL", None)

    def run_cli(self, *args: str, timeout: float = 120.0) -> str:
        """Run an `icct26` command with this server's environment (e.g. `db upgrade`)."""
        done = subprocess.run(
            [sys.executable, "-m", "icct26.cli", *args],
            cwd=self.data_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"icct26 {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "icct26.cli", "serve"]
        return [*command, "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]


@contextmanager
def running_server(
    server_url: str | None, prefix: str, workers: int = 2, log: Callable[[str], object] | None = None
) -> Iterator[tuple[BenchServer, BenchDatabase, Path]]:
    """A fresh migrated database (on `server_url`'s server, else embedded) and `icct26 serve` on it,
    in a temporary directory removed afterwards: (server, database, work directory)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work_dir = Path(tmp)
        data_dir = work_dir / "data"
        data_dir.mkdir()
        database = BenchDatabase(data_dir, server_url)
        database.start()
        try:
            server = BenchServer(database, data_dir, workers=workers)
            server.run_cli("db", "upgrade")
            if log:
                log(f"database: {database.describe()}; migrated")
            server.start()
            try:
                yield server, database, work_dir
            finally:
                code = server.stop()
                if log and code not in (0, None):
                    log(f"server exited with {code}; its log:\n{server.log()[-4000:]}")
        finally:
            database.stop()


def server_url_from_env() -> str | None:
    """The PostgreSQL server to create the bench's database on; None: an embedded one."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or None
