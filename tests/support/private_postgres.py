"""A PostgreSQL cluster of the test's own, on a free port, so a drill may crash it and start it again
(`pg_ctl stop -m immediate`: every backend dies at once, as in a power cut) without touching the
server that other tests share.

    cluster = PrivatePostgres.create()        # initdb in a fresh directory, then start
    url = await cluster.database("icct26")    # a migrated database, postgresql+asyncpg://...
    cluster.crash(); cluster.start()
    cluster.destroy()

PostgreSQL refuses to run as root: as root the cluster is owned by, and run as, the `postgres` user.
`unavailable()` names what is missing (binaries, that user) so a test can skip with the reason.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from icct26.adapters.db import migrations
from tests.support.server import free_port

RUN_AS = "postgres"


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _as_root() -> bool:
    return os.geteuid() == 0


def unavailable() -> str | None:
    """Why a private cluster cannot run here, or None when it can."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if _as_root():
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no {RUN_AS!r} user to own a private cluster"
        if shutil.which("runuser") is None:
            return "running as root without `runuser` to start PostgreSQL as another user"
    return None


class PrivatePostgres:
    def __init__(self, root: Path, port: int, server_options: tuple[str, ...] = ()) -> None:
        self.root = root
        self.server_options = server_options  # extra `-c name=value` settings, e.g. preloaded libraries
        self.pgdata = root / "pgdata"
        self.port = port
        bindir = _bindir()
        assert bindir is not None, unavailable()
        self._bindir = bindir

    @classmethod
    def create(cls, *server_options: str) -> PrivatePostgres:
        # Under /tmp rather than pytest's tmp_path: that one is private to root, and the server user
        # must reach its data directory.
        root = Path(tempfile.mkdtemp(prefix="icct26-private-pg-"))
        cluster = cls(root, free_port(), server_options)
        if _as_root():
            entry = pwd.getpwnam(RUN_AS)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster._run(
            "initdb", "-D", str(cluster.pgdata), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"
        )
        cluster.start()
        return cluster

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self._bindir / tool), *args]
        if _as_root():
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=False, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result

    def start(self) -> None:
        """Start (or restart after a crash: PostgreSQL replays its WAL first) and wait until it accepts."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.pgdata} -c max_connections=100"
        options += "".join(f" -c {option}" for option in self.server_options)
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
        )

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: the postmaster kills every backend without a checkpoint."""
        self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.pgdata))

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.pgdata))

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def database(self, name: str) -> str:
        """Create `name`, migrate it to the latest revision, and return its URL."""
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = self.url(name)
        await asyncio.to_thread(migrations.upgrade, url)
        return url
