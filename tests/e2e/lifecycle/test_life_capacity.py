"""MAX_TEAMS_TOTAL over HTTP: a full tournament answers TOURNAMENT_FULL or queues across churches."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from tests.e2e.lifecycle.test_life_waitlist import form, statuses
from tests.e2e.test_foundation import assert_problem
from tests.support.registration_forms import post_form

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, Any]) -> dict[str, Any]:
    """The lifecycle mail settings (conftest), in a tournament of two teams."""
    return {**settings_overrides, "MAX_TEAMS_TOTAL": 2}


async def test_a_full_tournament_refuses_or_queues_across_churches(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert (await post_form(client, form(1, church="CSI Christ Church"))).status_code == 201
    assert (await post_form(client, form(2, church="CSI St. Mark's Church"))).status_code == 201
    body = assert_problem(await post_form(client, form(3)), 409, "TOURNAMENT_FULL")
    assert body["waitlist_available"] is True and body["max_teams_total"] == 2
    queued = (await post_form(client, form(3, waitlist=True))).json()
    assert (queued["registration_status"], queued["waitlist_position"]) == ("waitlisted", 1)
    status = (await client.get("/api/registration/status")).json()
    assert (status["max_teams_total"], status["active_teams"]) == (2, 2)
    # A team of another church leaves: the tournament has room, and ICCT-003's church too.
    token = container.lifecycle.captain_link("ICCT-002", 1).rsplit("/", 1)[1]
    assert (await client.post(f"/api/captain/{token}/withdraw", json={})).status_code == 200
    assert (await statuses(container))["ICCT-003"] == "pending"
