"""Test data for the schedule and gallery: churches and teams inserted as rows (no registration flow),
and bearer headers for staff roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import ChurchRecord, TeamRecord
from icct26.adapters.http.auth import Principal
from icct26.bootstrap import Container
from icct26.domain.registration import church_key, format_team_id, team_name_key

TeamStatusText = Literal["pending", "confirmed", "rejected"]


@dataclass(frozen=True, slots=True)
class SeededTeam:
    pk: int
    team_id: str
    name: str
    status: str


async def insert_church(database: Database, name: str) -> int:
    async with database.sessionmaker() as session, session.begin():
        existing = await session.scalar(select(ChurchRecord.id).where(ChurchRecord.key == church_key(name)))
        if existing is not None:
            return existing
        church = ChurchRecord(name=name, key=church_key(name))
        session.add(church)
        await session.flush()
        return church.id


async def insert_team(
    database: Database,
    name: str,
    *,
    status: TeamStatusText = "confirmed",
    church: str = "CSI Test Church",
    prefix: str = "ICCT",
) -> SeededTeam:
    """A team row with the next team ID (ICCT-001, ...) and made-up, valid contact details."""
    church_pk = await insert_church(database, church)
    async with database.sessionmaker() as session, session.begin():
        seq = int(await session.scalar(select(func.coalesce(func.max(TeamRecord.seq), 0))) or 0) + 1
        team = TeamRecord(
            team_id=format_team_id(prefix, seq),
            seq=seq,
            name=name,
            name_key=team_name_key(name),
            church_id=church_pk,
            captain_name="Captain Test",
            captain_phone=f"98765{seq:05d}",
            captain_email=f"captain{seq}@example.org",
            vice_name="Vice Test",
            vice_phone=f"87654{seq:05d}",
            vice_email=f"vice{seq}@example.org",
            status=status,
            submitted_at=datetime.now(UTC),
        )
        session.add(team)
        await session.flush()
        return SeededTeam(team.id, team.team_id, team.name, team.status)


async def insert_teams(
    database: Database, *names: str, status: TeamStatusText = "confirmed"
) -> list[SeededTeam]:
    return [await insert_team(database, name, status=status) for name in names]


def bearer(
    container: Container, role: Literal["admin", "viewer"] = "admin", user_id: int = 1
) -> dict[str, str]:
    token, _ = container.tokens.issue(Principal(user_id, f"{role}@example.org", role))
    return {"Authorization": f"Bearer {token}"}


def problem(resp: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and error code; return its body."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["success"] is False
    assert body["error_code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"] == body["message"]
    return body


def fixture_body(team1: str, team2: str, match_number: int = 1, **extra: Any) -> dict[str, Any]:
    """The schedule form's create/edit body."""
    return {
        "round": "Round 1",
        "round_number": 1,
        "match_number": match_number,
        "team1": team1,
        "team2": team2,
        **extra,
    }
