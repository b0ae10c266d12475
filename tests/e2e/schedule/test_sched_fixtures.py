"""Fixture generation over HTTP: knockout brackets with byes, round robins in groups, dry runs,
number clashes, and a knockout played through to its final with winners moving on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from icct26.adapters.db.models import AuditRecord, MatchRecord
from icct26.bootstrap import Container
from tests.support.schedule_factories import SeededTeam, bearer, fixture_body, insert_team, problem

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

GENERATE = "/api/schedule/generate"
MATCHES = "/api/schedule/matches"


@pytest.fixture
def admin(container: Container) -> dict[str, str]:
    return bearer(container, "admin")


async def seed_teams(container: Container, count: int) -> list[SeededTeam]:
    # Two teams per church, as the church limit allows.
    return [
        await insert_team(container.database, f"Team {chr(65 + i)} XI", church=f"CSI Church {i // 2}")
        for i in range(count)
    ]


async def stored_matches(container: Container) -> int:
    async with container.database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(MatchRecord)) or 0)


async def audit_actions(container: Container) -> list[AuditRecord]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all())


async def generate(client: httpx.AsyncClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post(GENERATE, json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    answer: dict[str, Any] = resp.json()
    assert answer["success"] is True
    data: dict[str, Any] = answer["data"]
    return data


async def test_thirteen_confirmed_teams_make_a_knockout_of_four_rounds_with_three_byes(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    teams = await seed_teams(container, 13)
    await insert_team(container.database, "Pending Saints", status="pending", church="CSI Other")
    assert (await client.get(MATCHES)).json()["data"] == []  # now in the public read cache

    data = await generate(client, admin, format="knockout")

    assert (data["format"], data["rounds"]) == ("knockout", 4)
    assert data["byes"] == [t.team_id for t in teams[:3]]  # the top seeds
    matches = data["matches"]
    assert len(matches) == 12
    assert [m["round_number"] for m in matches] == [1] * 5 + [2] * 4 + [3] * 2 + [4]
    assert [m["match_number"] for m in matches] == list(range(1, 13))
    by_number = {m["match_number"]: m for m in matches}
    # Seed 1 waits in its quarter-final for the winner of seed 8 v seed 9 (match 1).
    quarter = by_number[6]
    assert (quarter["team1_id"], quarter["team2_id"]) == (teams[0].team_id, None)
    assert (quarter["team2"], quarter["team2_from"]) == ("Winner of Match 1", by_number[1]["id"])
    final = by_number[12]
    assert (final["round"], final["team1"], final["team2"]) == (
        "Final",
        "Winner of Match 10",
        "Winner of Match 11",
    )
    assert (final["team1_from"], final["team2_from"]) == (by_number[10]["id"], by_number[11]["id"])
    assert all(m["status"] == "scheduled" and m["overs_per_innings"] == 20 for m in matches)
    # Ordinary matches for every existing endpoint.
    listed = (await client.get(MATCHES)).json()["data"]
    assert [m["id"] for m in listed] == [m["id"] for m in matches]
    assert (await client.get(f"{MATCHES}/{final['id']}")).json()["data"]["team1"] == "Winner of Match 10"
    (audit,) = [row for row in await audit_actions(container) if row.action == "schedule.generated"]
    assert audit.target_type == "schedule" and audit.actor_email == "admin@example.org"
    assert audit.after is not None and audit.after["match_ids"] == [m["id"] for m in matches]


async def test_eight_teams_in_two_groups_play_twelve_round_robin_matches(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    teams = await seed_teams(container, 8)

    data = await generate(
        client,
        admin,
        format="round_robin",
        groups=2,
        teams=[t.team_id for t in teams],
        starts_at="2026-01-24T09:30",
        slot_minutes=150,
        matches_per_day=2,
    )

    assert (data["format"], data["rounds"], data["byes"]) == ("round_robin", 2, [])
    matches = data["matches"]
    assert len(matches) == 12
    assert {m["round"] for m in matches} == {"Group A", "Group B"}
    assert [m["scheduled_start_time"] for m in matches[:3]] == [
        "2026-01-24T09:30:00+05:30",
        "2026-01-24T12:00:00+05:30",
        "2026-01-25T09:30:00+05:30",
    ]
    tables = (await client.get("/api/schedule/standings")).json()["data"]
    assert [(t["round"], len(t["rows"])) for t in tables] == [("Group A", 4), ("Group B", 4)]
    group_a = {row["team_id"] for row in tables[0]["rows"]}
    assert group_a == {teams[i].team_id for i in (0, 2, 4, 6)}


async def test_dry_run_returns_the_plan_and_writes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    teams = await seed_teams(container, 5)

    resp = await client.post(
        GENERATE, json={"format": "knockout", "dry_run": True, "seed": 42}, headers=admin
    )

    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["success"] is True and body["dry_run"] is True
    plan = body["data"]
    assert (plan["rounds"], len(plan["matches"]), len(plan["byes"])) == (3, 4, 3)
    assert {m["team1_id"] for m in plan["matches"]} | {m["team2_id"] for m in plan["matches"]} <= {
        *(t.team_id for t in teams),
        None,
    }
    assert plan["matches"][-1]["team1"].startswith("Winner of Match")
    assert await stored_matches(container) == 0
    assert [row.action for row in await audit_actions(container)] == []
    # The same seed gives the same draw.
    again = await client.post(
        GENERATE, json={"format": "knockout", "dry_run": True, "seed": 42}, headers=admin
    )
    assert again.json()["data"] == plan


async def test_numbers_continue_after_existing_ones_and_a_clash_writes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    teams = await seed_teams(container, 4)
    existing = await client.post(MATCHES, json=fixture_body(teams[0].name, teams[1].name, 7), headers=admin)
    assert existing.status_code == 201

    data = await generate(client, admin, format="knockout")
    assert {m["round_number"] for m in data["matches"]} == {2, 3}
    assert [m["match_number"] for m in data["matches"]] == [8, 9, 10]

    clash = await client.post(
        GENERATE,
        json={"format": "round_robin", "round_number_start": 1, "match_number_start": 5},
        headers=admin,
    )
    body = problem(clash, 409, "MATCH_CONFLICT")
    assert "match number 7" in body["detail"]
    assert body["taken"] == [{"round_number": 1, "match_number": 7}]
    assert await stored_matches(container) == 4


async def test_idempotent_generation_replays_the_answer(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    await seed_teams(container, 4)
    headers = {**admin, "Idempotency-Key": "generate-4-teams"}

    first = await client.post(GENERATE, json={"format": "knockout"}, headers=headers)
    second = await client.post(GENERATE, json={"format": "knockout"}, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()
    assert await stored_matches(container) == 3
    other = await client.post(GENERATE, json={"format": "round_robin"}, headers=headers)
    problem(other, 422, "IDEMPOTENCY_KEY_REUSED")


async def test_refusals_name_the_field_or_the_team(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    teams = await seed_teams(container, 3)
    pending = await insert_team(container.database, "Waiting XI", status="pending", church="CSI Other")

    bad = await client.post(
        GENERATE, json={"format": "swiss", "starts_at": "tomorrow", "overs_per_innings": 0}, headers=admin
    )
    fields = {e["field"] for e in problem(bad, 422, "VALIDATION_FAILED")["errors"]}
    assert fields == {"format", "starts_at", "overs_per_innings"}
    unknown = await client.post(
        GENERATE, json={"format": "knockout", "teams": [teams[0].team_id, "Nobody XI"]}, headers=admin
    )
    assert [e["field"] for e in problem(unknown, 422, "VALIDATION_FAILED")["errors"]] == ["teams[1]"]
    too_few = await client.post(
        GENERATE, json={"format": "knockout", "teams": [teams[0].team_id]}, headers=admin
    )
    assert [e["field"] for e in problem(too_few, 422, "VALIDATION_FAILED")["errors"]] == ["teams"]
    groups = await client.post(GENERATE, json={"format": "round_robin", "groups": 2}, headers=admin)
    assert [e["field"] for e in problem(groups, 422, "VALIDATION_FAILED")["errors"]] == ["groups"]
    ineligible = await client.post(
        GENERATE, json={"format": "knockout", "teams": [teams[0].team_id, pending.team_id]}, headers=admin
    )
    assert pending.team_id in problem(ineligible, 422, "TEAM_NOT_ELIGIBLE")["detail"]
    viewer = await client.post(GENERATE, json={"format": "knockout"}, headers=bearer(container, "viewer", 2))
    problem(viewer, 403, "FORBIDDEN")
    anonymous = await client.post(GENERATE, json={"format": "knockout"})
    problem(anonymous, 401, "UNAUTHORIZED")
    assert await stored_matches(container) == 0


# --- playing a knockout through to the final -------------------------------------------------------


async def play(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    match: dict[str, Any],
    first: tuple[int, int],
    second: tuple[int, int],
) -> httpx.Response:
    """Start the match (team1 bats first), record both innings, and declare the result the scores
    imply (a tie when level)."""
    base = f"{MATCHES}/{match['id']}"
    team1, team2 = match["team1"], match["team2"]
    start = await client.put(
        f"{base}/start", json={"toss_winner": team1, "toss_choice": "bat"}, headers=admin
    )
    assert start.status_code == 200, start.text
    for step, team, (runs, wickets) in (("first", team1, first), ("second", team2, second)):
        body = {"batting_team": team, "runs": runs, "wickets": wickets, "overs": "20"}
        resp = await client.put(f"{base}/{step}-innings-score", json=body, headers=admin)
        assert resp.status_code == 200, resp.text
    if first[0] == second[0]:
        finish: dict[str, Any] = {"result_type": "tie"}
    elif first[0] > second[0]:
        finish = {"winner": team1, "margin": first[0] - second[0], "margin_type": "runs"}
    else:
        finish = {"winner": team2, "margin": 10 - second[1], "margin_type": "wickets"}
    return await client.put(f"{base}/finish", json=finish, headers=admin)


async def current(client: httpx.AsyncClient, match: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = (await client.get(f"{MATCHES}/{match['id']}")).json()["data"]
    return data


@pytest_asyncio.fixture
async def bracket(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> tuple[list[SeededTeam], dict[int, dict[str, Any]]]:
    """Five teams: seed 4 v seed 5 in round 1; seed 1 waits for its winner, seeds 2 and 3 meet in
    round 2 after their byes; then the final."""
    teams = await seed_teams(container, 5)
    data = await generate(client, admin, format="knockout")
    return teams, {m["match_number"]: m for m in data["matches"]}


async def test_winners_advance_through_the_bracket_to_the_final(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    bracket: tuple[list[SeededTeam], dict[int, dict[str, Any]]],
) -> None:
    teams, matches = bracket
    opener, semi_1, semi_2, final = matches[1], matches[2], matches[3], matches[4]
    assert (opener["team1_id"], opener["team2_id"]) == (teams[3].team_id, teams[4].team_id)
    assert (semi_1["team1_id"], semi_1["team2"]) == (teams[0].team_id, "Winner of Match 1")
    assert (semi_2["team1_id"], semi_2["team2_id"]) == (teams[1].team_id, teams[2].team_id)
    # A match still waiting for a team cannot start.
    early = await client.put(
        f"{MATCHES}/{semi_1['id']}/start",
        json={"toss_winner": teams[0].name, "toss_choice": "bat"},
        headers=admin,
    )
    problem(early, 409, "INVALID_MATCH_STATE")

    # Seed 5 chases down seed 4 and takes the place in semi-final 1.
    assert (await play(client, admin, opener, (140, 8), (141, 3))).status_code == 200
    semi_1 = await current(client, semi_1)
    assert (semi_1["team2"], semi_1["team2_id"], semi_1["team2_from"]) == (
        teams[4].name,
        teams[4].team_id,
        opener["id"],
    )
    assert (await play(client, admin, semi_1, (170, 4), (150, 9))).status_code == 200
    assert (await play(client, admin, semi_2, (120, 10), (121, 5))).status_code == 200
    final = await current(client, final)
    assert (final["team1_id"], final["team2_id"]) == (teams[0].team_id, teams[2].team_id)
    assert (await play(client, admin, final, (180, 6), (175, 7))).status_code == 200
    final = await current(client, final)
    assert final["status"] == "completed" and final["result"]["winner"] == teams[0].name


async def test_a_tied_knockout_match_needs_the_admin_to_pick_who_advances(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    container: Container,
    bracket: tuple[list[SeededTeam], dict[int, dict[str, Any]]],
) -> None:
    teams, matches = bracket
    opener, semi_1 = matches[1], matches[2]
    advance = f"{MATCHES}/{opener['id']}/advance"
    problem(
        await client.put(advance, json={"team": teams[3].name}, headers=admin), 409, "INVALID_MATCH_STATE"
    )

    assert (await play(client, admin, opener, (150, 6), (150, 9))).status_code == 200
    assert (await current(client, semi_1))["team2_id"] is None  # a tie names no winner

    stranger = await client.put(advance, json={"team": teams[0].name}, headers=admin)
    assert problem(stranger, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "team"
    picked = await client.put(advance, json={"team": teams[3].team_id}, headers=admin)
    assert picked.status_code == 200, picked.text
    assert picked.json()["data"]["id"] == semi_1["id"]
    assert picked.json()["data"]["team2_id"] == teams[3].team_id
    # Changing the pick is allowed until the next match starts.
    repicked = await client.put(advance, json={"team": teams[4].name}, headers=admin)
    assert repicked.json()["data"]["team2_id"] == teams[4].team_id
    semi_1 = await current(client, semi_1)
    start = {"toss_winner": semi_1["team1"], "toss_choice": "bat"}
    assert (await client.put(f"{MATCHES}/{semi_1['id']}/start", json=start, headers=admin)).status_code == 200
    locked = await client.put(advance, json={"team": teams[3].name}, headers=admin)
    problem(locked, 409, "MATCH_LOCKED")
    actions = [row.action for row in await audit_actions(container)]
    assert actions.count("match.advance") == 2


async def test_the_schedule_form_can_edit_a_match_that_waits_for_a_winner(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    bracket: tuple[list[SeededTeam], dict[int, dict[str, Any]]],
) -> None:
    """The frontend's edit modal sends back the names it shows, placeholders included."""
    _, matches = bracket
    final = matches[4]
    body = {
        "round": "Grand Final",
        "round_number": final["round_number"],
        "match_number": final["match_number"],
        "team1": final["team1"],
        "team2": final["team2"],
        "scheduled_start_time": "2026-02-01T15:00",
    }

    resp = await client.put(f"{MATCHES}/{final['id']}", json=body, headers=admin)

    assert resp.status_code == 200, resp.text
    edited = resp.json()["data"]
    assert (edited["round"], edited["team1"], edited["team1_id"]) == (
        "Grand Final",
        "Winner of Match 2",
        None,
    )
    assert edited["team1_from"] == final["team1_from"]
    assert edited["scheduled_start_time"] == "2026-02-01T15:00:00+05:30"
