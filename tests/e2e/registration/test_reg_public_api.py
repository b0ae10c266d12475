"""Public read endpoints: registration status, church slots and confirmed teams, with no personal data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from tests.support.registration_forms import RegistrationForm, execute, json_keys, post_form
from tests.support.sql_statements import counted_statements

pytestmark = pytest.mark.asyncio

PII_FRAGMENTS = (
    "phone",
    "email",
    "whatsapp",
    "aadhar",
    "subscription",
    "document",
    "file",
    "receipt",
    "letter",
    "photo",
    "captain",
    "vice",
)


def assert_no_pii(body: Any, raw: str) -> None:
    leaked = {k for k in json_keys(body) if any(f in k.lower() for f in PII_FRAGMENTS)}
    assert leaked == set()
    for value in ("captain1@example.com", "9800000001", "8700000001", "teams/"):
        assert value not in raw


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "MAX_TEAMS_PER_CHURCH": 2,
        "REGISTRATION_OPENS_AT": "2020-01-01T09:00:00",
        "REGISTRATION_CLOSES_AT": "2099-02-01T18:00:00+05:30",
    }


async def test_registration_status(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/registration/status")
    assert resp.status_code == 200
    assert resp.json() == {
        "success": True,
        "open": True,
        "opens_at": "2020-01-01T09:00:00+05:30",
        "closes_at": "2099-02-01T18:00:00+05:30",
        "max_players": 15,
        "min_players": 11,
        "max_teams_per_church": 2,
        "max_teams_total": None,
        "active_teams": 0,
    }


async def test_availability_counts_active_teams_of_every_known_church(
    client: httpx.AsyncClient, container: Container, church_names: list[str]
) -> None:
    await container.churches.import_names(church_names)
    full, half = church_names[0], church_names[1]
    for n, church in enumerate([full, full, half, half], start=1):
        assert (await post_form(client, RegistrationForm.valid(n, church=church))).status_code == 201
    await execute(container.database, "UPDATE teams SET status = 'rejected' WHERE team_id = 'ICCT-004'")
    await execute(
        container.database, "UPDATE churches SET max_teams = 3 WHERE name = :name", name=church_names[2]
    )

    resp = await client.get("/api/churches/availability", headers={"Content-Type": "application/json"})
    assert resp.status_code == 200
    body = resp.json()
    by_name = {c["church_name"]: c for c in body["churches"]}
    assert set(by_name) == set(church_names)
    assert by_name[full] == {
        "church_name": full,
        "team_count": 2,
        "max_teams": 2,
        "locked": True,
        "waitlisted": 0,
    }
    assert by_name[half] == {
        "church_name": half,
        "team_count": 1,
        "max_teams": 2,
        "locked": False,
        "waitlisted": 0,
    }
    assert by_name[church_names[2]]["max_teams"] == 3
    assert body["summary"] == {
        "total_churches": len(church_names),
        "locked_churches": 1,
        "available_churches": len(church_names) - 1,
    }
    assert_no_pii(body, resp.text)


async def test_public_team_list_has_confirmed_teams_only_and_no_personal_data(
    client: httpx.AsyncClient, container: Container
) -> None:
    for n in range(1, 4):
        assert (
            await post_form(client, RegistrationForm.valid(n, church=f"CSI Church {n}"))
        ).status_code == 201
    await execute(
        container.database, "UPDATE teams SET status = 'confirmed' WHERE team_id IN ('ICCT-001', 'ICCT-003')"
    )

    resp = await client.get("/api/teams")
    assert resp.status_code == 200
    body = resp.json()
    assert body["success"] is True
    assert body["teams"] == [
        {
            "team_id": f"ICCT-00{n}",
            "teamId": f"ICCT-00{n}",
            "team_name": f"Peters Warriors {n}",
            "teamName": f"Peters Warriors {n}",
            "church_name": f"CSI Church {n}",
            "churchName": f"CSI Church {n}",
            "player_count": 11,
        }
        for n in (1, 3)
    ]
    assert_no_pii(body, resp.text)
    status = await client.get("/api/registration/status")
    assert_no_pii(status.json(), status.text)


async def test_public_endpoints_use_one_query_each(client: httpx.AsyncClient, container: Container) -> None:

    for n in range(1, 6):
        assert (
            await post_form(client, RegistrationForm.valid(n, church=f"CSI Church {n}"))
        ).status_code == 201
    await execute(container.database, "UPDATE teams SET status = 'confirmed'")
    for path in ("/api/teams", "/api/churches/availability"):
        with counted_statements(container) as statements:
            assert (await client.get(path)).status_code == 200
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, statements


async def test_a_rejected_team_frees_its_church_slot(client: httpx.AsyncClient, container: Container) -> None:
    church = "CSI Immanuel Church"
    for n in (1, 2):
        assert (await post_form(client, RegistrationForm.valid(n, church=church))).status_code == 201
    third = RegistrationForm.valid(3, church=church)
    refused = await post_form(client, third)
    assert refused.status_code == 409
    assert refused.json()["message"] == "Maximum 2 teams already registered for CSI Immanuel Church"

    await execute(container.database, "UPDATE teams SET status = 'rejected' WHERE team_id = 'ICCT-001'")
    accepted = await post_form(client, third)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["team_id"] == "ICCT-003"
    # The rejected team's name and captain email are free again too.
    again = RegistrationForm.valid(1, church=church)
    await execute(container.database, "UPDATE teams SET status = 'rejected' WHERE team_id = 'ICCT-002'")
    assert (await post_form(client, again)).status_code == 201
