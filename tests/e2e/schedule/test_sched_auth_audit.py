"""Schedule mutations need an admin token; each one leaves exactly one audit row, written with it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from icct26.adapters.db.models import AuditRecord
from icct26.bootstrap import Container
from tests.support.schedule_factories import bearer, fixture_body, insert_teams, problem

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"


async def audit_rows(container: Container) -> list[AuditRecord]:
    async with container.database.sessionmaker() as session:
        return list((await session.scalars(select(AuditRecord).order_by(AuditRecord.id))).all())


def mutations(match_id: int, team1: str, team2: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", MATCHES, fixture_body(team1, team2, 9)),
        ("PUT", f"{MATCHES}/{match_id}", fixture_body(team1, team2, 1)),
        ("DELETE", f"{MATCHES}/{match_id}", None),
        ("PUT", f"{MATCHES}/{match_id}/start", {"toss_winner": team1, "toss_choice": "bat"}),
        (
            "PUT",
            f"{MATCHES}/{match_id}/first-innings-score",
            {"batting_team": team1, "runs": 1, "wickets": 0},
        ),
        (
            "PUT",
            f"{MATCHES}/{match_id}/second-innings-score",
            {"batting_team": team2, "runs": 1, "wickets": 0},
        ),
        ("PUT", f"{MATCHES}/{match_id}/finish", {"result_type": "tie"}),
        ("PUT", f"{MATCHES}/{match_id}/abandon", None),
    ]


async def test_mutations_need_an_admin_token(client: httpx.AsyncClient, container: Container) -> None:
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    created = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=bearer(container))
    match_id = created.json()["data"]["id"]
    before = (await client.get(MATCHES)).json()
    viewer = bearer(container, "viewer", user_id=2)
    for method, url, body in mutations(match_id, zion.name, bethel.name):
        problem(await client.request(method, url, json=body), 401, "UNAUTHORIZED")
        problem(
            await client.request(method, url, json=body, headers={"Authorization": "Bearer nope"}),
            401,
            "UNAUTHORIZED",
        )
        problem(await client.request(method, url, json=body, headers=viewer), 403, "FORBIDDEN")
    assert (await client.get(MATCHES)).json() == before
    # Reads stay public, and a viewer's token does not get in their way.
    assert (await client.get(MATCHES, headers=viewer)).status_code == 200
    assert len(await audit_rows(container)) == 1  # only the admin's create


async def test_every_mutation_writes_one_audit_row(client: httpx.AsyncClient, container: Container) -> None:
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    admin = bearer(container)
    created = await client.post(
        MATCHES, json=fixture_body(zion.name, bethel.name), headers={**admin, "X-Request-ID": "req-create-1"}
    )
    match_id = created.json()["data"]["id"]
    steps: list[tuple[str, str, dict[str, Any] | None, str]] = [
        (
            "PUT",
            f"{MATCHES}/{match_id}",
            {**fixture_body(zion.name, bethel.name), "round": "Group A"},
            "match.update",
        ),
        (
            "PUT",
            f"{MATCHES}/{match_id}/start",
            {"toss_winner": zion.name, "toss_choice": "bat"},
            "match.start",
        ),
        (
            "PUT",
            f"{MATCHES}/{match_id}/first-innings-score",
            {"batting_team": zion.name, "runs": 120, "wickets": 4},
            "match.first_innings",
        ),
        (
            "PUT",
            f"{MATCHES}/{match_id}/second-innings-score",
            {"batting_team": bethel.name, "runs": 100, "wickets": 10},
            "match.second_innings",
        ),
        (
            "PUT",
            f"{MATCHES}/{match_id}/finish",
            {"winner": zion.name, "margin": 20, "margin_type": "runs"},
            "match.finish",
        ),
    ]
    for method, url, body, _ in steps:
        resp = await client.request(method, url, json=body, headers=admin)
        assert resp.status_code == 200, resp.text
    # Refused changes leave no trace.
    problem(await client.delete(f"{MATCHES}/{match_id}", headers=admin), 409, "MATCH_LOCKED")
    problem(
        await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=admin),
        409,
        "MATCH_CONFLICT",
    )
    other = (await client.post(MATCHES, json=fixture_body(zion.name, bethel.name, 2), headers=admin)).json()[
        "data"
    ]
    assert (await client.put(f"{MATCHES}/{other['id']}/abandon", headers=admin)).status_code == 200
    assert (await client.delete(f"{MATCHES}/{other['id']}", headers=admin)).status_code == 200

    rows = await audit_rows(container)
    assert [r.action for r in rows] == [
        "match.create",
        *(action for *_, action in steps),
        "match.create",
        "match.abandon",
        "match.delete",
    ]
    assert {r.target_type for r in rows} == {"match"}
    assert [r.target_id for r in rows[:6]] == [str(match_id)] * 6
    assert all(r.actor_email == "admin@example.org" and r.actor_id == 1 for r in rows)
    assert all(r.ip == "127.0.0.1" and r.request_id for r in rows)
    assert rows[0].request_id == "req-create-1"
    create, update, start = rows[0], rows[1], rows[2]
    assert create.before is None and create.after is not None
    assert create.after["team1"] == zion.name and create.after["status"] == "scheduled"
    assert update.before is not None and update.after is not None
    assert (update.before["round"], update.after["round"]) == ("Round 1", "Group A")
    assert start.before is not None and start.after is not None
    assert (start.before["status"], start.after["status"]) == ("scheduled", "live")
    finish = rows[5]
    assert finish.after is not None
    assert finish.after["result"]["winner"] == zion.name and finish.after["result"]["margin"] == 20
    delete = rows[-1]
    assert delete.after is None and delete.before is not None and delete.before["status"] == "abandoned"


async def test_idempotency_key_replays_the_first_answer(
    client: httpx.AsyncClient, container: Container
) -> None:
    zion, bethel = await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    admin = bearer(container)
    keyed = {**admin, "Idempotency-Key": "create-1"}
    first = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=keyed)
    again = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name), headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert len((await client.get(MATCHES)).json()["data"]) == 1
    reused = await client.post(MATCHES, json=fixture_body(zion.name, bethel.name, 2), headers=keyed)
    problem(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    problem(
        await client.post(
            MATCHES,
            json=fixture_body(zion.name, bethel.name, 2),
            headers={**admin, "Idempotency-Key": "bad\x01key"},
        ),
        400,
        "IDEMPOTENCY_KEY_INVALID",
    )

    match_id = first.json()["data"]["id"]
    start = {"toss_winner": zion.name, "toss_choice": "bat"}
    started = await client.put(
        f"{MATCHES}/{match_id}/start", json=start, headers={**admin, "Idempotency-Key": "s1"}
    )
    repeat = await client.put(
        f"{MATCHES}/{match_id}/start", json=start, headers={**admin, "Idempotency-Key": "s1"}
    )
    assert started.status_code == repeat.status_code == 200  # not a 409: the retry is the same request
    assert repeat.headers["idempotent-replayed"] == "true"
    actions = [r.action for r in await audit_rows(container)]
    assert actions == ["match.create", "match.start"]
