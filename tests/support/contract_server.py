"""A real `icct26 serve` process prepared for contract tests: an admin account made with the real CLI,
a bearer token from the real login route, and a little real data (two confirmed teams, a match).

    with contract_server(database_url, data_dir) as server:
        httpx.get(server.url + "/admin/teams", headers=server.auth)

The data is created through the public API, so list and detail routes answer with real rows when the
contract tools call them.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.registration_forms import RegistrationForm
from tests.support.server import ServerProcess, running_server

ADMIN_EMAIL = "contract.admin@example.com"
ADMIN_PASSWORD = "Contract-Check-2026!"  # a test-only account in a throwaway database


@dataclass
class ContractServer:
    server: ServerProcess
    token: str
    team_ids: list[str] = field(default_factory=list)
    match_id: int | None = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def create_admin(server: ServerProcess, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """`icct26 admin create`, run against the server's own database and settings."""
    command = [sys.executable, "-c", "from icct26.cli import main; main()"]
    command += ["admin", "create", "--email", email, "--role", "admin"]
    env = {**server.env, "ICCT26_ADMIN_PASSWORD": password}
    done = subprocess.run(
        command, cwd=server.data_dir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def login(url: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    resp = httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password}, timeout=30)
    assert resp.status_code == 200, resp.text
    token: str = resp.json()["access_token"]
    return token


def seed(server: ContractServer) -> None:
    """Two confirmed teams of one church and a scheduled match between them, all through the API."""
    with httpx.Client(base_url=server.url, timeout=60, headers={"Accept": "application/json"}) as client:
        for n in (801, 802):
            form = RegistrationForm.valid(n, church="CSI Contract Church")
            resp = client.post("/api/register/team", **form.httpx_kwargs())
            assert resp.status_code == 201, resp.text
            team_id = resp.json()["team_id"]
            confirmed = client.put(f"/admin/teams/{team_id}/confirm", headers=server.auth)
            assert confirmed.status_code == 200, confirmed.text
            server.team_ids.append(team_id)
        match = {
            "round": "Round 1",
            "round_number": 1,
            "match_number": 1,
            "team1": server.team_ids[0],
            "team2": server.team_ids[1],
            "scheduled_start_time": "2026-01-24T09:30",
        }
        created = client.post("/api/schedule/matches", json=match, headers=server.auth)
        assert created.status_code == 201, created.text
        server.match_id = created.json()["data"]["id"]


@contextmanager
def contract_server(database_url: str, data_dir: Path) -> Iterator[ContractServer]:
    with running_server(database_url, data_dir, RATE_LIMIT_ENABLED="false") as server:
        create_admin(server)
        prepared = ContractServer(server, login(server.url))
        seed(prepared)
        yield prepared
