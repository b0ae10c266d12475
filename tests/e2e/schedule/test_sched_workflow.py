"""The admin schedule manager's workflow over HTTP, with the frontend's exact bodies:
create -> start -> first innings -> second innings -> finish, and the ways each step can be refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from icct26.bootstrap import Container
from tests.support.schedule_factories import SeededTeam, bearer, fixture_body, insert_team, problem

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"
MATCH_KEYS = {
    "id",
    "round",
    "round_number",
    "match_number",
    "team1",
    "team2",
    "team1_id",
    "team2_id",
    "status",
    "toss_winner",
    "toss_choice",
    "scheduled_start_time",
    "actual_start_time",
    "match_end_time",
    "team1_first_innings_runs",
    "team1_first_innings_wickets",
    "team2_first_innings_runs",
    "team2_first_innings_wickets",
    "team1_first_innings_overs",
    "team2_first_innings_overs",
    "team1_from",
    "team2_from",
    "overs_per_innings",
    "first_innings_team",
    "second_innings_team",
    "match_score_url",
    "result",
    "created_at",
    "updated_at",
}


@pytest_asyncio.fixture
async def teams(container: Container) -> tuple[SeededTeam, SeededTeam]:
    zion = await insert_team(container.database, "Zion Warriors")
    bethel = await insert_team(container.database, "Bethel Strikers", church="CSI Bethel Church")
    return zion, bethel


@pytest.fixture
def admin(container: Container) -> dict[str, str]:
    return bearer(container, "admin")


async def create(client: httpx.AsyncClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post(MATCHES, json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()["data"]
    assert resp.headers["location"] == f"{MATCHES}/{data['id']}"
    return data


async def step(
    client: httpx.AsyncClient, admin: dict[str, str], match_id: int, action: str, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.put(f"{MATCHES}/{match_id}/{action}", json=body, headers=admin)


async def play(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    match_id: int,
    first: tuple[str, int, int],
    second: tuple[str, int, int],
) -> None:
    start = {
        "toss_winner": first[0],
        "toss_choice": "bat",
        "match_score_url": "https://cricheroes.in/scorecard/1",
        "actual_start_time": "2026-01-24T04:00:00.000Z",
    }
    assert (await step(client, admin, match_id, "start", start)).status_code == 200
    for action, (team, runs, wickets) in (("first-innings-score", first), ("second-innings-score", second)):
        resp = await step(
            client, admin, match_id, action, {"batting_team": team, "runs": runs, "wickets": wickets}
        )
        assert resp.status_code == 200, resp.text


async def test_batting_first_win_by_runs(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    created = await create(
        client, admin, **fixture_body(zion.name, bethel.name, scheduled_start_time="2026-01-24T09:30")
    )
    assert set(created) == MATCH_KEYS
    assert created["status"] == "scheduled"
    assert (created["team1_id"], created["team2_id"]) == (zion.team_id, bethel.team_id)
    assert created["team1_first_innings_runs"] is None and created["result"] is None
    match_id = created["id"]

    start = {
        "toss_winner": zion.name,
        "toss_choice": "bat",
        "match_score_url": "https://cricheroes.in/scorecard/1",
        "actual_start_time": "2026-01-24T04:00:00.000Z",
    }
    started = (await step(client, admin, match_id, "start", start)).json()
    assert started["success"] is True and started["message"]
    live = started["data"]
    assert live["status"] == "live"
    assert live["toss_winner"] == zion.name and live["toss_choice"] == "bat"
    assert live["actual_start_time"] == "2026-01-24T09:30:00+05:30"
    assert live["match_score_url"] == "https://cricheroes.in/scorecard/1"

    first = await step(
        client, admin, match_id, "first-innings-score", {"batting_team": zion.name, "runs": 150, "wickets": 7}
    )
    assert first.status_code == 200, first.text
    assert first.json()["data"]["team1_first_innings_runs"] == 150
    assert first.json()["data"]["first_innings_team"] == zion.name
    second = await step(
        client,
        admin,
        match_id,
        "second-innings-score",
        {"batting_team": bethel.name, "runs": 120, "wickets": 10},
    )
    assert second.status_code == 200, second.text
    finish = {
        "winner": zion.name,
        "margin": 30,
        "margin_type": "runs",
        "match_end_time": "2026-01-24T08:15:00.000Z",
    }
    done = await step(client, admin, match_id, "finish", finish)
    assert done.status_code == 200, done.text

    listed = (await client.get(MATCHES)).json()
    assert listed["success"] is True
    (match,) = listed["data"]
    assert match["status"] == "completed"
    assert match["result"] == {
        "winner": zion.name,
        "margin": 30,
        "marginType": "runs",
        "wonByBattingFirst": True,
        "result_type": "win",
    }
    assert (match["team1_first_innings_runs"], match["team1_first_innings_wickets"]) == (150, 7)
    assert (match["team2_first_innings_runs"], match["team2_first_innings_wickets"]) == (120, 10)
    assert (match["first_innings_team"], match["second_innings_team"]) == (zion.name, bethel.name)
    assert match["match_end_time"] == "2026-01-24T13:45:00+05:30"
    assert match["created_at"].endswith("+05:30") and match["updated_at"].endswith("+05:30")


async def test_chasing_win_by_wickets_with_team2_batting_first(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name)))["id"]
    await play(client, admin, match_id, (bethel.name, 140, 8), (zion.name, 141, 4))
    finish = {
        "winner": zion.name,
        "margin": 6,
        "margin_type": "wickets",
        "match_end_time": "2026-01-24T08:00:00Z",
    }
    resp = await step(client, admin, match_id, "finish", finish)
    assert resp.status_code == 200, resp.text
    match = resp.json()["data"]
    assert match["status"] == "completed"
    assert match["result"] == {
        "winner": zion.name,
        "margin": 6,
        "marginType": "wickets",
        "wonByBattingFirst": False,
        "result_type": "win",
    }
    assert match["team2_first_innings_runs"] == 140 and match["team1_first_innings_runs"] == 141
    assert match["first_innings_team"] == bethel.name


async def test_wrong_margin_names_the_expected_one(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name)))["id"]
    await play(client, admin, match_id, (bethel.name, 140, 8), (zion.name, 141, 4))
    resp = await step(
        client, admin, match_id, "finish", {"winner": zion.name, "margin": 5, "margin_type": "wickets"}
    )
    body = problem(resp, 422, "INVALID_RESULT")
    assert "6 wickets" in body["detail"]
    assert body["expected_margin"] == 6 and body["expected_margin_type"] == "wickets"
    wrong_winner = await step(
        client, admin, match_id, "finish", {"winner": bethel.name, "margin": 1, "margin_type": "runs"}
    )
    assert "6 wickets" in problem(wrong_winner, 422, "INVALID_RESULT")["detail"]
    still = (await client.get(f"{MATCHES}/{match_id}")).json()["data"]
    assert still["status"] == "live" and still["result"] is None


async def test_tie_and_no_result(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    tie_id = (await create(client, admin, **fixture_body(zion.name, bethel.name, 1)))["id"]
    await play(client, admin, tie_id, (zion.name, 120, 5), (bethel.name, 120, 9))
    tie = await step(client, admin, tie_id, "finish", {"result_type": "tie", "winner": "", "margin": 0})
    assert tie.status_code == 200, tie.text
    assert tie.json()["data"]["result"] == {
        "winner": None,
        "margin": None,
        "marginType": None,
        "wonByBattingFirst": None,
        "result_type": "tie",
    }

    nr_id = (await create(client, admin, **fixture_body(zion.name, bethel.name, 2)))["id"]
    start = {"toss_winner": bethel.name, "toss_choice": "bowl", "match_score_url": "http://x.example/2"}
    assert (await step(client, admin, nr_id, "start", start)).status_code == 200
    rained = await step(client, admin, nr_id, "finish", {"result_type": "no_result"})
    assert rained.status_code == 200, rained.text
    data = rained.json()["data"]
    assert data["status"] == "completed"
    assert data["result"]["result_type"] == "no_result" and data["result"]["winner"] is None
    assert data["team1_first_innings_runs"] is None
    assert data["match_end_time"] is not None  # defaults to now


async def test_second_innings_by_the_team_that_batted_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name)))["id"]
    start = {"toss_winner": zion.name, "toss_choice": "bat", "match_score_url": "https://s.example/1"}
    assert (await step(client, admin, match_id, "start", start)).status_code == 200
    ok = await step(
        client, admin, match_id, "first-innings-score", {"batting_team": zion.name, "runs": 99, "wickets": 3}
    )
    assert ok.status_code == 200
    again = await step(
        client,
        admin,
        match_id,
        "second-innings-score",
        {"batting_team": zion.name, "runs": 100, "wickets": 2},
    )
    body = problem(again, 422, "VALIDATION_FAILED")
    assert [e["field"] for e in body["errors"]] == ["batting_team"]
    stranger = await step(
        client,
        admin,
        match_id,
        "second-innings-score",
        {"batting_team": "Nobody XI", "runs": 100, "wickets": 2},
    )
    assert problem(stranger, 422, "VALIDATION_FAILED")["errors"][0]["code"] == "team_not_in_match"
    out_of_range = await step(
        client,
        admin,
        match_id,
        "second-innings-score",
        {"batting_team": bethel.name, "runs": 1000, "wickets": 11},
    )
    fields = {e["field"] for e in problem(out_of_range, 422, "VALIDATION_FAILED")["errors"]}
    assert fields == {"runs", "wickets"}


async def test_finish_before_both_innings_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name)))["id"]
    early = await step(
        client, admin, match_id, "finish", {"winner": zion.name, "margin": 1, "margin_type": "runs"}
    )
    problem(early, 409, "INVALID_MATCH_STATE")  # not even live yet
    start = {"toss_winner": zion.name, "toss_choice": "bat", "match_score_url": "https://s.example/1"}
    assert (await step(client, admin, match_id, "start", start)).status_code == 200
    await step(
        client, admin, match_id, "first-innings-score", {"batting_team": zion.name, "runs": 80, "wickets": 2}
    )
    one_innings = await step(
        client, admin, match_id, "finish", {"winner": zion.name, "margin": 1, "margin_type": "runs"}
    )
    problem(one_innings, 409, "INVALID_MATCH_STATE")
    second_before_first = await step(client, admin, match_id, "start", start)
    problem(second_before_first, 409, "INVALID_MATCH_STATE")


async def test_live_and_completed_matches_are_locked(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name)))["id"]
    await play(client, admin, match_id, (zion.name, 100, 5), (bethel.name, 90, 10))
    problem(await client.delete(f"{MATCHES}/{match_id}", headers=admin), 409, "MATCH_LOCKED")
    await step(client, admin, match_id, "finish", {"winner": zion.name, "margin": 10, "margin_type": "runs"})
    problem(await client.delete(f"{MATCHES}/{match_id}", headers=admin), 409, "MATCH_LOCKED")
    edit = await client.put(
        f"{MATCHES}/{match_id}", json=fixture_body(zion.name, bethel.name, 7), headers=admin
    )
    problem(edit, 409, "MATCH_LOCKED")
    rescore = await step(
        client, admin, match_id, "first-innings-score", {"batting_team": zion.name, "runs": 1, "wickets": 1}
    )
    problem(rescore, 409, "MATCH_LOCKED")
    problem(await step(client, admin, match_id, "abandon", None), 409, "INVALID_MATCH_STATE")
    assert (await client.get(f"{MATCHES}/{match_id}")).json()["data"]["match_number"] == 1


async def test_delete_and_abandon_scheduled_matches(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    first = (await create(client, admin, **fixture_body(zion.name, bethel.name, 1)))["id"]
    second = (await create(client, admin, **fixture_body(zion.name, bethel.name, 2)))["id"]
    deleted = await client.delete(f"{MATCHES}/{first}", headers=admin)
    assert deleted.status_code == 200 and deleted.json()["success"] is True
    problem(await client.get(f"{MATCHES}/{first}"), 404, "MATCH_NOT_FOUND")
    problem(await client.delete(f"{MATCHES}/{first}", headers=admin), 404, "MATCH_NOT_FOUND")
    abandoned = await step(client, admin, second, "abandon", None)
    assert abandoned.status_code == 200 and abandoned.json()["data"]["status"] == "abandoned"
    assert [m["id"] for m in (await client.get(MATCHES)).json()["data"]] == [second]
    # Abandoned matches may be removed again (they never count).
    assert (await client.delete(f"{MATCHES}/{second}", headers=admin)).status_code == 200


async def test_duplicate_numbers_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    await create(client, admin, **fixture_body(zion.name, bethel.name, 3))
    other = await create(client, admin, **fixture_body(bethel.name, zion.name, 4))
    dup = await client.post(MATCHES, json=fixture_body(bethel.name, zion.name, 3), headers=admin)
    assert "match number 3" in problem(dup, 409, "MATCH_CONFLICT")["detail"]
    onto = await client.put(
        f"{MATCHES}/{other['id']}", json=fixture_body(bethel.name, zion.name, 3), headers=admin
    )
    problem(onto, 409, "MATCH_CONFLICT")
    # The same numbers in another round are fine; keeping one's own numbers is fine.
    await create(
        client, admin, **{**fixture_body(zion.name, bethel.name, 3), "round_number": 2, "round": "Final"}
    )
    same = await client.put(
        f"{MATCHES}/{other['id']}", json=fixture_body(zion.name, bethel.name, 4), headers=admin
    )
    assert same.status_code == 200, same.text
    assert same.json()["data"]["team1"] == zion.name


async def test_only_confirmed_teams_may_play(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    teams: tuple[SeededTeam, SeededTeam],
    container: Container,
) -> None:
    zion, _ = teams
    pending = await insert_team(container.database, "Grace Pending XI", status="pending")
    rejected = await insert_team(container.database, "Hope Rejected XI", status="rejected")
    for team in (pending, rejected):
        resp = await client.post(MATCHES, json=fixture_body(zion.name, team.name), headers=admin)
        body = problem(resp, 422, "TEAM_NOT_ELIGIBLE")
        assert team.team_id in body["detail"] and team.status in body["detail"]
        assert [e["field"] for e in body["errors"]] == ["team2"]
    assert (await client.get(MATCHES)).json()["data"] == []


async def test_team_references_by_id_and_any_case_and_unknown(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    by_id = await create(client, admin, **fixture_body(zion.team_id.lower(), "  bethel   STRIKERS ", 1))
    assert (by_id["team1"], by_id["team2"]) == (zion.name, bethel.name)
    unknown = await client.post(MATCHES, json=fixture_body(zion.name, "Nobody XI", 2), headers=admin)
    body = problem(unknown, 422, "VALIDATION_FAILED")
    assert [e["field"] for e in body["errors"]] == ["team2"] and "Nobody XI" in body["detail"]
    both_bad = await client.post(MATCHES, json=fixture_body("", "Nobody XI", 0), headers=admin)
    fields = {e["field"] for e in problem(both_bad, 422, "VALIDATION_FAILED")["errors"]}
    assert fields == {"team1", "team2", "match_number"}
    same = await client.post(MATCHES, json=fixture_body(zion.name, zion.team_id, 2), headers=admin)
    assert problem(same, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "team2"


async def test_field_rules_are_422(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    zero = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name, 0), headers=admin)
    assert [e["field"] for e in problem(zero, 422, "VALIDATION_FAILED")["errors"]] == ["match_number"]
    bad_time = await client.post(
        MATCHES,
        json=fixture_body(zion.name, bethel.name, 1, scheduled_start_time="24/01/2026 9:30"),
        headers=admin,
    )
    assert problem(bad_time, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "scheduled_start_time"
    missing = await client.post(MATCHES, json={"round": "R1", "team1": zion.name}, headers=admin)
    problem(missing, 422, "VALIDATION_FAILED")
    not_json = await client.post(
        MATCHES, content=b"{oops", headers={**admin, "content-type": "application/json"}
    )
    assert not_json.status_code in (400, 422) and not_json.json()["success"] is False
    match_id = (await create(client, admin, **fixture_body(zion.name, bethel.name, 1)))["id"]
    for body in (
        {"toss_winner": zion.name, "toss_choice": "field", "match_score_url": "https://s.example"},
        {"toss_winner": zion.name, "toss_choice": "bat", "match_score_url": "ftp://s.example"},
        {"toss_winner": zion.name, "toss_choice": "bat", "match_score_url": "https://s.example/" + "x" * 600},
        {"toss_winner": zion.name, "toss_choice": "bat", "actual_start_time": "yesterday"},
    ):
        problem(await step(client, admin, match_id, "start", body), 422, "VALIDATION_FAILED")
    assert (await client.get(f"{MATCHES}/{match_id}")).json()["data"]["status"] == "scheduled"


async def test_times_are_tournament_local_and_stored_as_utc(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    teams: tuple[SeededTeam, SeededTeam],
    container: Container,
) -> None:
    zion, bethel = teams
    created = await create(
        client, admin, **fixture_body(zion.name, bethel.name, scheduled_start_time="2026-01-24T09:30")
    )
    assert created["scheduled_start_time"] == "2026-01-24T09:30:00+05:30"
    async with container.database.engine.connect() as conn:
        utc = await conn.scalar(
            text("SELECT to_char(scheduled_start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM matches")
        )
    assert utc == "2026-01-24 04:00"

    # Omitted on edit: kept. Given with a zone: converted. Blank: cleared.
    edit = fixture_body(zion.name, bethel.name, 1, round="Group A")
    kept = await client.put(f"{MATCHES}/{created['id']}", json=edit, headers=admin)
    assert kept.json()["data"]["scheduled_start_time"] == "2026-01-24T09:30:00+05:30"
    assert kept.json()["data"]["round"] == "Group A"
    moved = await client.put(
        f"{MATCHES}/{created['id']}",
        headers=admin,
        json={**edit, "scheduled_start_time": "2026-01-25T06:00:00.000Z"},
    )
    assert moved.json()["data"]["scheduled_start_time"] == "2026-01-25T11:30:00+05:30"
    cleared = await client.put(
        f"{MATCHES}/{created['id']}", json={**edit, "scheduled_start_time": ""}, headers=admin
    )
    assert cleared.json()["data"]["scheduled_start_time"] is None


async def test_list_filters_and_frontend_paging(
    client: httpx.AsyncClient, admin: dict[str, str], teams: tuple[SeededTeam, SeededTeam]
) -> None:
    zion, bethel = teams
    ids = [(await create(client, admin, **fixture_body(zion.name, bethel.name, n)))["id"] for n in (2, 1, 3)]
    final = await create(client, admin, **{**fixture_body(zion.name, bethel.name, 1), "round_number": 2})
    await play(client, admin, ids[1], (zion.name, 50, 1), (bethel.name, 40, 10))
    await step(client, admin, ids[1], "finish", {"winner": zion.name, "margin": 10, "margin_type": "runs"})

    everything = (await client.get(MATCHES, params={"skip": 0, "limit": 100})).json()["data"]
    assert [(m["round_number"], m["match_number"]) for m in everything] == [(1, 1), (1, 2), (1, 3), (2, 1)]
    done = (await client.get(MATCHES, params={"status": "done"})).json()["data"]
    assert [m["id"] for m in done] == [ids[1]]
    assert (await client.get(MATCHES, params={"status": "completed"})).json()["data"] == done
    assert [m["id"] for m in (await client.get(MATCHES, params={"round_number": 2})).json()["data"]] == [
        final["id"]
    ]
    page = (await client.get(MATCHES, params={"skip": 1, "limit": 2})).json()["data"]
    assert [m["match_number"] for m in page] == [2, 3]
    problem(await client.get(MATCHES, params={"status": "finished"}), 422, "VALIDATION_FAILED")
    problem(await client.get(MATCHES, params={"round_number": 0}), 422, "VALIDATION_FAILED")


async def test_unknown_match_ids_are_404(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    problem(await client.get(f"{MATCHES}/12345"), 404, "MATCH_NOT_FOUND")
    problem(await client.get(f"{MATCHES}/{2**70}"), 404, "MATCH_NOT_FOUND")
    problem(await client.put(f"{MATCHES}/{2**70}/abandon", headers=admin), 404, "MATCH_NOT_FOUND")
    problem(
        await client.put(
            f"{MATCHES}/77/start", json={"toss_winner": "A", "toss_choice": "bat"}, headers=admin
        ),
        404,
        "MATCH_NOT_FOUND",
    )
