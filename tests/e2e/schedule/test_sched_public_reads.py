"""The public schedule reads: conditional GETs (strong ETag, 304), one SQL statement per list, and
standings derived from results."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.services.schedule import FixtureInput
from tests.support.schedule_factories import bearer, fixture_body, insert_team, insert_teams, problem
from tests.support.sql_statements import counted_statements

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"
STANDINGS = "/api/schedule/standings"
ACTOR = Actor(user_id=1, email="admin@example.org")


async def test_list_is_one_statement_for_forty_matches(
    client: httpx.AsyncClient, container: Container
) -> None:
    teams = await insert_teams(container.database, *(f"Team {chr(65 + i)} XI" for i in range(8)))
    for n in range(40):
        home, away = teams[n % 8], teams[(n + 1 + n // 8) % 8]
        if home.pk == away.pk:
            away = teams[(n + 3) % 8]
        await container.schedule.create(
            FixtureInput("Round 1", 1 + n // 20, 1 + n % 20, home.name, away.name), ACTOR
        )
    # Warm up the pool (another query string, so the list itself is not cached yet).
    await client.get(MATCHES, params={"limit": 100})
    with counted_statements(container) as statements:
        resp = await client.get(MATCHES)
    assert resp.status_code == 200
    assert len(resp.json()["data"]) == 40
    assert len(statements) == 1, statements
    assert "JOIN teams AS team1" in statements[0] and "JOIN teams AS team2" in statements[0]
    # Polls within PUBLIC_CACHE_SECONDS are answered from memory, byte for byte the same.
    with counted_statements(container) as statements:
        polled = await client.get(MATCHES)
    assert statements == []
    assert polled.content == resp.content and polled.headers["etag"] == resp.headers["etag"]
    # A large list is compressed for clients that accept it; the conditional GET still works.
    gzipped = await client.get(MATCHES, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers.get("content-encoding") == "gzip"
    assert gzipped.json() == resp.json()
    conditional = {"Accept-Encoding": "gzip", "If-None-Match": gzipped.headers["etag"]}
    again = await client.get(MATCHES, headers=conditional)
    assert again.status_code == 304 and again.content == b""


async def test_etag_304_and_changes_after_any_match_change(
    client: httpx.AsyncClient, container: Container
) -> None:
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    admin = bearer(container)
    empty = await client.get(MATCHES)
    created = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=admin)
    match_id = created.json()["data"]["id"]

    first = await client.get(MATCHES)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert etag != empty.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=10"
    assert (await client.get(MATCHES)).headers["etag"] == etag  # stable while nothing changes

    not_modified = await client.get(MATCHES, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    listed = await client.get(MATCHES, headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    stale = await client.get(MATCHES, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.json() == first.json()

    seen = {etag}
    changes = [
        ("put", f"{MATCHES}/{match_id}", {**fixture_body(zion.name, bethel.name), "round": "Group A"}),
        ("put", f"{MATCHES}/{match_id}/start", {"toss_winner": zion.name, "toss_choice": "bat"}),
        (
            "put",
            f"{MATCHES}/{match_id}/first-innings-score",
            {"batting_team": zion.name, "runs": 10, "wickets": 1},
        ),
        (
            "put",
            f"{MATCHES}/{match_id}/first-innings-score",
            {"batting_team": zion.name, "runs": 11, "wickets": 1},
        ),
        ("put", f"{MATCHES}/{match_id}/abandon", None),
        ("delete", f"{MATCHES}/{match_id}", None),
    ]
    for method, url, body in changes:
        resp = await client.request(method, url, json=body, headers=admin)
        assert resp.status_code == 200, resp.text
        after = await client.get(MATCHES, headers={"If-None-Match": etag})
        assert after.status_code == 200, f"{url}: the list still claims to be unchanged"
        etag = after.headers["etag"]
        assert etag not in seen
        seen.add(etag)


async def test_single_match_and_standings_are_conditional_too(
    client: httpx.AsyncClient, container: Container
) -> None:
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    created = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=bearer(container))
    one = await client.get(f"{MATCHES}/{created.json()['data']['id']}")
    assert one.json()["data"] == created.json()["data"]
    again = await client.get(
        f"{MATCHES}/{created.json()['data']['id']}", headers={"If-None-Match": one.headers["etag"]}
    )
    assert again.status_code == 304
    table = await client.get(STANDINGS)
    assert (await client.get(STANDINGS, headers={"If-None-Match": table.headers["etag"]})).status_code == 304


async def _result(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    number: int,
    first: tuple[str, int, int],
    second: tuple[str, int, int],
    finish: dict[str, Any],
    round_number: int = 1,
) -> None:
    body = {
        **fixture_body(first[0], second[0], number),
        "round_number": round_number,
        "round": "Group A" if round_number == 1 else "Final",
    }
    match_id = (await client.post(MATCHES, json=body, headers=admin)).json()["data"]["id"]
    base = f"{MATCHES}/{match_id}"
    assert (
        await client.put(f"{base}/start", json={"toss_winner": first[0], "toss_choice": "bat"}, headers=admin)
    ).status_code == 200
    if finish.get("result_type") != "no_result":
        for step, (team, runs, wickets) in (("first", first), ("second", second)):
            resp = await client.put(
                f"{base}/{step}-innings-score",
                headers=admin,
                json={"batting_team": team, "runs": runs, "wickets": wickets},
            )
            assert resp.status_code == 200, resp.text
    resp = await client.put(f"{base}/finish", json=finish, headers=admin)
    assert resp.status_code == 200, resp.text


def _row(
    team: Any,
    played: int,
    won: int,
    lost: int,
    tied: int,
    no_result: int,
    points: int,
    runs: tuple[int, int] = (0, 0),
    overs: tuple[str | None, str | None] = ("0.0", "0.0"),
    nrr: float | None = None,
) -> dict[str, Any]:
    """A standings line; `runs` and `overs` are (for, against)."""
    return {
        "team_id": team.team_id,
        "team_name": team.name,
        "played": played,
        "won": won,
        "lost": lost,
        "tied": tied,
        "no_result": no_result,
        "points": points,
        "runs_for": runs[0],
        "overs_for": overs[0],
        "runs_against": runs[1],
        "overs_against": overs[1],
        "nrr": nrr,
    }


async def test_standings_of_a_small_round_robin(client: httpx.AsyncClient, container: Container) -> None:
    alpha, bravo, charlie = await insert_teams(container.database, "Alpha XI", "Bravo XI", "Charlie XI")
    admin = bearer(container)
    # Round 1, hand-computed: Alpha beat Bravo by 10 runs; Charlie chased Bravo down (7 wickets);
    # Alpha and Charlie tied. An abandoned and an unplayed match count for nothing.
    await _result(
        client,
        admin,
        1,
        (alpha.name, 150, 5),
        (bravo.name, 140, 9),
        {"winner": alpha.name, "margin": 10, "margin_type": "runs"},
    )
    await _result(
        client,
        admin,
        2,
        (bravo.name, 100, 10),
        (charlie.name, 101, 3),
        {"winner": charlie.name, "margin": 7, "margin_type": "wickets"},
    )
    await _result(client, admin, 3, (alpha.name, 130, 7), (charlie.name, 130, 10), {"result_type": "tie"})
    abandoned = await client.post(MATCHES, json=fixture_body(bravo.name, charlie.name, 4), headers=admin)
    await client.put(f"{MATCHES}/{abandoned.json()['data']['id']}/abandon", headers=admin)
    await client.post(MATCHES, json=fixture_body(bravo.name, alpha.name, 5), headers=admin)
    # Round 2: the final was rained off.
    await _result(client, admin, 1, (alpha.name, 0, 0), (charlie.name, 0, 0), {"result_type": "no_result"}, 2)

    resp = await client.get(STANDINGS)
    assert resp.status_code == 200
    assert resp.json() == {
        "success": True,
        "data": [
            {
                "round_number": 1,
                "round": "Group A",
                # No overs were entered, so net run rate is unknown (a bowled-out side's overs are
                # known: Bravo's 100/10 is charged the full 20 overs, but Charlie's chase is not).
                "rows": [
                    _row(alpha, 2, 1, 0, 1, 0, 3, (280, 270), (None, None)),
                    _row(charlie, 2, 1, 0, 1, 0, 3, (231, 230), (None, None)),
                    _row(bravo, 2, 0, 2, 0, 0, 0, (240, 251), (None, None)),
                ],
            },
            {
                "round_number": 2,
                "round": "Final",
                "rows": [_row(alpha, 1, 0, 0, 0, 1, 1), _row(charlie, 1, 0, 0, 0, 1, 1)],
            },
        ],
    }


@pytest.mark.parametrize("settings_overrides", [{"POINTS_WIN": 4, "POINTS_TIE": 2, "POINTS_NO_RESULT": 0}])
async def test_standings_use_configured_points(client: httpx.AsyncClient, container: Container) -> None:
    alpha, bravo = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    admin = bearer(container)
    await _result(
        client,
        admin,
        1,
        (alpha.name, 150, 5),
        (bravo.name, 140, 9),
        {"winner": alpha.name, "margin": 10, "margin_type": "runs"},
    )
    await _result(client, admin, 2, (alpha.name, 90, 5), (bravo.name, 90, 9), {"result_type": "tie"})
    await _result(client, admin, 3, (alpha.name, 0, 0), (bravo.name, 0, 0), {"result_type": "no_result"})
    rows = (await client.get(STANDINGS)).json()["data"][0]["rows"]
    assert [(r["team_name"], r["points"]) for r in rows] == [(alpha.name, 6), (bravo.name, 2)]


async def test_standings_are_empty_without_matches(client: httpx.AsyncClient) -> None:
    resp = await client.get(STANDINGS)
    assert resp.json() == {"success": True, "data": []}
    problem(await client.get(f"{MATCHES}/0"), 404, "MATCH_NOT_FOUND")


async def test_pending_team_in_a_scheduled_match_keeps_its_place(
    client: httpx.AsyncClient, container: Container
) -> None:
    """A team confirmed when scheduled stays editable in its match even if its status changes later."""
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    other = await insert_team(container.database, "Other XI", status="pending")
    admin = bearer(container)
    created = (await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=admin)).json()[
        "data"
    ]
    async with container.database.engine.begin() as conn:
        await conn.execute(text("UPDATE teams SET status = 'pending' WHERE id = :pk"), {"pk": bethel.pk})
    relabel = {**fixture_body(zion.name, bethel.name), "round": "Group B"}
    assert (await client.put(f"{MATCHES}/{created['id']}", json=relabel, headers=admin)).status_code == 200
    swap = await client.put(
        f"{MATCHES}/{created['id']}", json=fixture_body(zion.name, other.name), headers=admin
    )
    problem(swap, 422, "TEAM_NOT_ELIGIBLE")


_VOLATILE = {"date", "x-request-id", "server-timing"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept-Encoding": "identity"},
        {"Accept-Encoding": "gzip, deflate, br"},
        {"Accept-Encoding": "gzip", "If-None-Match": "CURRENT"},
        {"Accept-Encoding": "identity", "If-None-Match": '"stale"'},
    ],
)
async def test_a_cached_poll_answers_exactly_what_the_handler_answers(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str]
) -> None:
    """Polls are answered before routing from the cache; nothing a client sees may differ."""
    teams = await insert_teams(container.database, *(f"Team {chr(65 + i)} XI" for i in range(4)))
    for n in range(12):  # large enough to be compressed
        home, away = teams[n % 4], teams[(n + 1) % 4]
        await container.schedule.create(FixtureInput("Round 1", 1, 1 + n, home.name, away.name), ACTOR)
    if headers.get("If-None-Match") == "CURRENT":
        headers = {**headers, "If-None-Match": (await client.get(MATCHES)).headers["etag"]}

    def seen(resp: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
        kept = {k: v for k, v in resp.headers.items() if k not in _VOLATILE and not k.startswith("ratelimit")}
        return resp.status_code, resp.content, kept

    container.public_cache.clear()
    with counted_statements(container) as statements:
        from_handler = await client.get(MATCHES, params={"round_number": 1}, headers=headers)
    assert len(statements) == 1
    with counted_statements(container) as statements:
        from_cache = await client.get(MATCHES, params={"round_number": 1}, headers=headers)
    assert statements == []
    assert seen(from_cache) == seen(from_handler)
    status, _, kept = seen(from_handler)
    assert kept["etag"] and kept["cache-control"] == "public, max-age=10"
    if status == 200 and "gzip" in headers["Accept-Encoding"]:
        assert kept["content-encoding"] == "gzip" and kept["vary"] == "Accept-Encoding"
    else:
        assert "content-encoding" not in kept
