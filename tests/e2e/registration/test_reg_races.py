"""Concurrent registrations on the real database: the church limit and team IDs under contention."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from icct26.bootstrap import Container, create_app
from tests.support.registration_forms import (
    RegistrationForm,
    asgi_clients,
    document_keys,
    fetch,
    post_form,
    stored_keys,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Two players keep 20 concurrent multipart bodies small; the rules under test do not change.
    return {"MAX_TEAMS_PER_CHURCH": 2, "MIN_PLAYERS": 2, "MAX_PLAYERS": 15}


async def test_twenty_captains_race_for_two_slots(container: Container) -> None:
    forms = [RegistrationForm.valid(n, players=2, church="CSI Immanuel Church") for n in range(1, 21)]
    async with asgi_clients(create_app(container=container), 5) as clients:
        responses = await asyncio.gather(*(post_form(clients[i % 5], form) for i, form in enumerate(forms)))

    created = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(created) == 2, [r.text for r in responses]
    assert len(refused) == 18
    for resp in refused:
        assert resp.status_code == 409, resp.text
        body = resp.json()
        assert body["error_code"] == "CHURCH_LIMIT_REACHED"
        assert "Maximum 2 teams" in body["message"]
    assert sorted(r.json()["team_id"] for r in created) == ["ICCT-001", "ICCT-002"]
    rows = await fetch(container.database, "SELECT count(*) AS n FROM teams WHERE status = 'pending'")
    assert rows[0].n == 2
    # Refused registrations left no files behind, including those refused after storing theirs.
    assert await stored_keys(container.storage) == await document_keys(container.database)
    assert len(await document_keys(container.database)) == 2 * (3 + 2 * 2)


async def test_thirty_concurrent_registrations_get_gapless_unique_ids(container: Container) -> None:
    forms = [RegistrationForm.valid(n, players=2, church=f"CSI Church Number {n}") for n in range(1, 31)]
    async with asgi_clients(create_app(container=container), 6) as clients:
        responses = await asyncio.gather(*(post_form(clients[i % 6], form) for i, form in enumerate(forms)))

    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    ids = sorted(r.json()["team_id"] for r in responses)
    assert ids == [f"ICCT-{i:03d}" for i in range(1, 31)]
    counter = await fetch(container.database, "SELECT last_value FROM team_id_counters WHERE prefix = 'ICCT'")
    assert counter[0].last_value == 30
    players = await fetch(container.database, "SELECT player_id FROM players ORDER BY player_id")
    assert len(players) == 60 and len({p.player_id for p in players}) == 60


async def test_duplicate_names_and_captain_emails_race(container: Container) -> None:
    same_team = [RegistrationForm.valid(n, players=2, church="CSI Zion Church") for n in range(1, 6)]
    for form in same_team:
        form.fields["team_name"] = "Zion Lions"
    same_captain = [
        RegistrationForm.valid(n, players=2, church=f"CSI Other Church {n}") for n in range(10, 15)
    ]
    for form in same_captain:
        form.fields["captain_email"] = "Shared.Captain@Example.com"
    async with asgi_clients(create_app(container=container), 4) as clients:
        responses = await asyncio.gather(
            *(post_form(clients[i % 4], form) for i, form in enumerate(same_team + same_captain))
        )

    codes = sorted(r.json().get("error_code", "created") for r in responses if r.status_code != 201)
    assert sum(r.status_code == 201 for r in responses[:5]) == 1
    assert sum(r.status_code == 201 for r in responses[5:]) == 1
    assert codes == ["DUPLICATE_CAPTAIN_EMAIL"] * 4 + ["DUPLICATE_TEAM"] * 4
    # Failed registrations burnt no team numbers.
    ids = sorted(r.json()["team_id"] for r in responses if r.status_code == 201)
    assert ids == ["ICCT-001", "ICCT-002"]
    assert await stored_keys(container.storage) == await document_keys(container.database)
