"""Net run rate over HTTP: overs on the innings bodies, the match's quota, and standings ordered by
points, then net run rate, then wins — against a table computed by hand."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from tests.support.schedule_factories import SeededTeam, bearer, fixture_body, insert_teams, problem

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"
STANDINGS = "/api/schedule/standings"


async def result(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    number: int,
    first: tuple[SeededTeam, int, int, str],
    second: tuple[SeededTeam, int, int, str],
    finish: dict[str, Any],
) -> None:
    """A match where `first` bats first: (team, runs, wickets, overs)."""
    created = await client.post(
        MATCHES, json=fixture_body(first[0].name, second[0].name, number), headers=admin
    )
    assert created.status_code == 201, created.text
    base = f"{MATCHES}/{created.json()['data']['id']}"
    start = {"toss_winner": first[0].name, "toss_choice": "bat"}
    assert (await client.put(f"{base}/start", json=start, headers=admin)).status_code == 200
    for step, (team, runs, wickets, overs) in (("first", first), ("second", second)):
        body = {"batting_team": team.name, "runs": runs, "wickets": wickets, "overs": overs}
        resp = await client.put(f"{base}/{step}-innings-score", json=body, headers=admin)
        assert resp.status_code == 200, resp.text
    finished = await client.put(f"{base}/finish", json=finish, headers=admin)
    assert finished.status_code == 200, finished.text


async def test_standings_with_net_run_rate_match_a_hand_computed_table(
    client: httpx.AsyncClient, container: Container
) -> None:
    alpha, bravo, charlie = await insert_teams(container.database, "Alpha XI", "Bravo XI", "Charlie XI")
    admin = bearer(container)
    # Each team wins once: 2 points each, so net run rate decides the order. In match 2 Charlie is
    # bowled out in 18.3 overs, and charged the full 20 for net run rate.
    for number, first, second, (winner, margin, margin_type) in (
        (1, (alpha, 160, 6, "20"), (bravo, 140, 8, "20"), (alpha, 20, "runs")),
        (2, (charlie, 120, 10, "18.3"), (bravo, 121, 3, "15.2"), (bravo, 7, "wickets")),
        (3, (alpha, 150, 7, "20"), (charlie, 151, 5, "19.1"), (charlie, 5, "wickets")),
    ):
        finish = {"winner": winner.name, "margin": margin, "margin_type": margin_type}
        await result(client, admin, number, first, second, finish)

    (table,) = (await client.get(STANDINGS)).json()["data"]

    # By hand, runs per over (balls / 6):
    #   Bravo   261 in 35.2 = 7.3868; 280 against in 40.0 (Charlie all out: 20) = 7.0000 -> +0.387
    #   Alpha   310 in 40.0 = 7.7500; 291 against in 39.1 = 7.4298                  -> +0.320
    #   Charlie 271 in 39.1 (20 charged + 19.1) = 6.9191; 271 against in 35.2 = 7.6698 -> -0.751
    assert [
        (
            r["team_name"],
            r["points"],
            r["runs_for"],
            r["overs_for"],
            r["runs_against"],
            r["overs_against"],
            r["nrr"],
        )
        for r in table["rows"]
    ] == [
        (bravo.name, 2, 261, "35.2", 280, "40.0", 0.387),
        (alpha.name, 2, 310, "40.0", 291, "39.1", 0.32),
        (charlie.name, 2, 271, "39.1", 271, "35.2", -0.751),
    ]
    matches = (await client.get(MATCHES)).json()["data"]
    assert (matches[1]["team1_first_innings_overs"], matches[1]["team2_first_innings_overs"]) == (
        "18.3",
        "15.2",
    )


async def test_overs_beyond_the_quota_are_refused_naming_the_field(
    client: httpx.AsyncClient, container: Container
) -> None:
    alpha, bravo = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    admin = bearer(container)
    created = (await client.post(MATCHES, json=fixture_body(alpha.name, bravo.name), headers=admin)).json()[
        "data"
    ]
    assert created["overs_per_innings"] == 20
    base = f"{MATCHES}/{created['id']}"
    await client.put(f"{base}/start", json={"toss_winner": alpha.name, "toss_choice": "bat"}, headers=admin)

    for overs, code in (("20.1", "above_quota"), ("19.6", "invalid_overs"), ("abc", "invalid_overs")):
        body = {"batting_team": alpha.name, "runs": 150, "wickets": 5, "overs": overs}
        resp = await client.put(f"{base}/first-innings-score", json=body, headers=admin)
        (error,) = problem(resp, 422, "VALIDATION_FAILED")["errors"]
        assert (error["field"], error["code"]) == ("overs", code)
        assert overs in error["message"]
    assert (await client.get(base)).json()["data"]["team1_first_innings_runs"] is None
    # Without overs the frontend's body still works, and leaves the overs unknown.
    plain = {"batting_team": alpha.name, "runs": 150, "wickets": 5}
    ok = await client.put(f"{base}/first-innings-score", json=plain, headers=admin)
    assert ok.status_code == 200 and ok.json()["data"]["team1_first_innings_overs"] is None


@pytest.mark.parametrize("settings_overrides", [{"OVERS_PER_INNINGS": 10}])
async def test_the_quota_comes_from_config_or_the_match(
    client: httpx.AsyncClient, container: Container
) -> None:
    alpha, bravo = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    admin = bearer(container)
    default = await client.post(MATCHES, json=fixture_body(alpha.name, bravo.name, 1), headers=admin)
    assert default.json()["data"]["overs_per_innings"] == 10
    longer = await client.post(
        MATCHES, json=fixture_body(alpha.name, bravo.name, 2, overs_per_innings=50), headers=admin
    )
    match = longer.json()["data"]
    assert match["overs_per_innings"] == 50
    base = f"{MATCHES}/{match['id']}"
    await client.put(f"{base}/start", json={"toss_winner": bravo.name, "toss_choice": "bat"}, headers=admin)
    body = {"batting_team": bravo.name, "runs": 250, "wickets": 8, "overs": "49.5"}
    assert (await client.put(f"{base}/first-innings-score", json=body, headers=admin)).status_code == 200
    # An edit cannot shrink the quota below an innings already recorded; omitting it keeps it.
    shrink = await client.put(
        base, json=fixture_body(alpha.name, bravo.name, 2, overs_per_innings=20), headers=admin
    )
    assert problem(shrink, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "overs_per_innings"
    kept = await client.put(base, json=fixture_body(alpha.name, bravo.name, 2), headers=admin)
    assert kept.status_code == 200 and kept.json()["data"]["overs_per_innings"] == 50
    for quota in (0, 51):
        refused = await client.post(
            MATCHES, json=fixture_body(alpha.name, bravo.name, 3, overs_per_innings=quota), headers=admin
        )
        assert problem(refused, 422, "VALIDATION_FAILED")["errors"][0]["field"] == "overs_per_innings"
