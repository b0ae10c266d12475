"""`icct26 serve --workers 2`, the production command: a small supervisor that never imports the app,
and workers forked from it that load only what an idle server uses.

What a process has loaded is read from outside, in /proc/<pid>/maps: the compiled extensions of the
app's libraries are mapped only in a process that imported them. Each absence is paired with a
presence in the same processes, so a reading that found nothing cannot pass.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from icct26.adapters.http.app import build_litestar
from icct26.config import load_settings
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow


class WorkersServer(ServerProcess):
    """The real `icct26 serve` (no probe routes) with two workers."""

    def command(self) -> list[str]:
        main = [sys.executable, "-m", "icct26.cli", "serve"]
        return [*main, "--host", "127.0.0.1", "--port", str(self.port), "--workers", "2"]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def mapped_packages(pid: int) -> set[str]:
    """Top-level packages of site-packages whose compiled extensions the process has mapped."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "site-packages/" in path and path.endswith(".so"):
            found.add(path.split("site-packages/", 1)[1].split("/", 1)[0])
    return found


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkersServer]:
    started = WorkersServer(database_url, tmp_path_factory.mktemp("serve"), STORAGE_BACKEND="local")
    started.start()
    try:
        yield started
    finally:
        started.stop()


def test_the_supervisor_runs_exactly_its_workers(server: WorkersServer) -> None:
    workers = children(server.pid)
    # Forked workers share the supervisor's command line; no multiprocessing helper runs beside them.
    commands = {Path(f"/proc/{pid}/cmdline").read_bytes() for pid in [server.pid, *workers]}
    assert len(workers) == 2 and len(commands) == 1, commands


def test_only_the_workers_import_the_application(server: WorkersServer) -> None:
    supervisor = mapped_packages(server.pid)
    assert "msgspec" in supervisor  # its settings are msgspec structs
    for package in ("asyncpg", "sqlalchemy"):
        assert package not in supervisor, supervisor
        assert all(package in mapped_packages(pid) for pid in children(server.pid))


def test_workers_do_without_pydantic(server: WorkersServer) -> None:
    """Development tools install pydantic, the production image does not; the workers never load it,
    and the OpenAPI document (Litestar's pydantic plugin is what would have used it) is still whole."""
    for pid in children(server.pid):
        assert "pydantic_core" not in mapped_packages(pid)
        assert "asyncpg" in mapped_packages(pid)
    served = httpx.get(server.url + "/schema/openapi.json", timeout=30).json()
    here = build_litestar(load_settings({}, env_file=None)).openapi_schema.to_schema()  # with pydantic
    assert "/api/register/team" in served["paths"]
    assert served["paths"].keys() == here["paths"].keys()
    assert served["components"]["schemas"].keys() == here["components"]["schemas"].keys()


def test_sigterm_stops_the_supervisor_and_its_workers(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = WorkersServer(database_url, tmp_path_factory.mktemp("stop")).start()
    workers = children(server.pid)
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0, server.log()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
