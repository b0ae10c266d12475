"""The review list at tournament scale: a page costs one SQL statement at any size, and asking for it
again while nothing changed costs only the version lookup."""

from __future__ import annotations

import httpx
import pytest

from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
from tests.support.factories import create_teams_bulk
from tests.support.sql_statements import counted_statements

pytestmark = pytest.mark.asyncio

TEAMS, PLAYERS = 300, 15


async def test_pages_of_300_teams_cost_a_fixed_number_of_statements(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team_ids = await create_teams_bulk(container.database, teams=TEAMS, players_per_team=PLAYERS)
    counts = {}
    pages: list[tuple[dict[str, int], int]] = [  # query, teams on that page
        ({"page_size": 10}, 10),
        ({"page_size": 300}, 300),
        ({"page": 3, "page_size": 100}, 100),
        ({}, 300),
        ({"page": 9}, 0),  # past the end
    ]
    for params, size in pages:
        for attempt in ("built", "kept"):
            with counted_statements(container) as seen:
                resp = await client.get("/admin/teams", headers=staff.admin, params=params)
            assert resp.status_code == 200, resp.text
            # The guard reads the caller's account once, the list's version is looked up once; the
            # page itself is the rest.
            assert sum("FROM admin_users" in s for s in seen) == 1, seen
            assert sum("FROM read_model_versions" in s for s in seen) == 1, seen
            counts[str(params), attempt] = len(
                [s for s in seen if "FROM admin_users" not in s and "FROM read_model_versions" not in s]
            )
            body = resp.json()
            assert body["total"] == TEAMS
            assert len(body["data"]) == size
    # One statement for the rows and the total, whatever the page size; a page past the end counts
    # the total on its own. Asked for again, a page the database still calls current costs none.
    assert counts.pop((str({"page": 9}), "built")) == 2, counts
    assert {count for (_, attempt), count in counts.items() if attempt == "built"} == {1}, counts
    assert {count for (_, attempt), count in counts.items() if attempt == "kept"} == {0}, counts

    every = (await client.get("/admin/teams", headers=staff.viewer)).json()["data"]
    assert [t["teamId"] for t in every] == team_ids
    assert all(t["playerCount"] == PLAYERS for t in every)
    assert all(t["captain"]["name"] == t["captainName"] for t in every)
    assert all(t["paymentReceipt"].endswith("/payment_receipt.pdf") for t in every)
    assert all(t["groupPhoto"].endswith("/group_photo.jpg") for t in every)


async def test_team_detail_costs_a_fixed_number_of_statements(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team_ids = await create_teams_bulk(container.database, teams=3, players_per_team=PLAYERS)
    with counted_statements(container) as seen:
        resp = await client.get(f"/admin/teams/{team_ids[1]}", headers=staff.admin)
    assert resp.status_code == 200
    assert len(resp.json()["data"]["players"]) == PLAYERS
    assert all(p["aadharFile"].endswith("-aadhar.jpg") for p in resp.json()["data"]["players"])
    assert sum("FROM admin_users" in s for s in seen) == 1, seen  # the guard's account check
    # The guard, the team, its roster; then the review loop's change request, documents and duplicates.
    assert len(seen) == 6, seen
