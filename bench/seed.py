"""Data the read scenarios need: an admin, 300 teams x 15 players, and a 40-match schedule.

Teams and the admin account are inserted as rows by the tests' factories (reviewing teams does not
need the registration flow); the schedule goes through the real admin API, so every match is valid
and some are live or finished with results, as on a tournament day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from tests.support.factories import create_staff, create_teams_bulk

from icct26.adapters.db.engine import Database

ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "bench horse battery staple"


@dataclass(frozen=True, slots=True)
class Seeded:
    token: str
    teams: int
    confirmed_team_ids: list[str]
    matches: int


async def _call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    async with session.request(method, url, **kwargs) as response:
        body = await response.json(content_type=None)
        if response.status >= 300:
            raise RuntimeError(f"{method} {url} answered {response.status}: {body}")
        return body


async def login(session: aiohttp.ClientSession, base_url: str) -> str:
    body = await _call(
        session,
        "POST",
        f"{base_url}/api/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    return str(body["access_token"])


async def seed_teams(database: Database, teams: int, players: int) -> list[str]:
    """`teams` teams (60% pending, 30% confirmed, 10% rejected); the confirmed team IDs back."""
    confirmed = teams * 3 // 10
    rejected = teams // 10
    pending = teams - confirmed - rejected
    await create_teams_bulk(database, teams=pending, players_per_team=players, status="pending")
    ids = await create_teams_bulk(database, teams=confirmed, players_per_team=players, status="confirmed")
    await create_teams_bulk(database, teams=rejected, players_per_team=players, status="rejected")
    return ids


async def seed_schedule(
    session: aiohttp.ClientSession, base_url: str, token: str, team_ids: list[str], matches: int
) -> int:
    """`matches` fixtures over rounds of 8; the first quarter finished with results, a few live."""
    if len(team_ids) < 2:
        raise ValueError("the schedule needs at least two confirmed teams")
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{base_url}/api/schedule/matches"
    for i in range(matches):
        team1, team2 = team_ids[(2 * i) % len(team_ids)], team_ids[(2 * i + 1) % len(team_ids)]
        body = {
            "round": f"Round {i // 8 + 1}",
            "round_number": i // 8 + 1,
            "match_number": i % 8 + 1,
            "team1": team1,
            "team2": team2,
            "scheduled_start_time": f"2026-01-{10 + i // 8:02d}T{9 + i % 8:02d}:30",
        }
        created = (await _call(session, "POST", url, json=body, headers=auth))["data"]
        match_id = created["id"]
        team1, team2 = created["team1"], created["team2"]  # match-day calls name the teams
        if i < matches // 4 + 3:  # played or being played
            start = {"toss_winner": team1, "toss_choice": "bat", "match_score_url": "https://example.org/s"}
            await _call(session, "PUT", f"{url}/{match_id}/start", json=start, headers=auth)
            innings = {"batting_team": team1, "runs": 150 + i, "wickets": 6}
            await _call(session, "PUT", f"{url}/{match_id}/first-innings-score", json=innings, headers=auth)
        if i < matches // 4:
            chase = {"batting_team": team2, "runs": 140, "wickets": 9}
            await _call(session, "PUT", f"{url}/{match_id}/second-innings-score", json=chase, headers=auth)
            finish = {"winner": team1, "margin": 10 + i, "margin_type": "runs", "result_type": "win"}
            await _call(session, "PUT", f"{url}/{match_id}/finish", json=finish, headers=auth)
    return matches


async def seed_all(
    database: Database,
    session: aiohttp.ClientSession,
    base_url: str,
    *,
    teams: int = 300,
    players: int = 15,
    matches: int = 40,
) -> Seeded:
    await create_staff(database, ADMIN_EMAIL, "admin", ADMIN_PASSWORD)
    token = await login(session, base_url)
    confirmed = await seed_teams(database, teams, players)
    await seed_schedule(session, base_url, token, confirmed, matches)
    return Seeded(token, teams, confirmed, matches)
