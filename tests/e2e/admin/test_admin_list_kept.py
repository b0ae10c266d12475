"""The review list kept in memory is never older than the database: every committed change to a
team, a player, a document or a church moves the list's version on every instance, and a change
rolled back moves nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.bootstrap import Container, build_container_with, create_app
from icct26.config import Settings
from tests.conftest import app_client
from tests.e2e.admin.conftest import Staff
from tests.support.factories import create_teams_bulk

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def other_instance(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A second app with its own caches on the same database, as a second server would be."""
    other = await build_container_with(settings, database)
    try:
        async with app_client(create_app(container=other)) as client:
            yield client
    finally:
        await other.close(dispose_database=False)


async def _list(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    response = await client.get("/admin/teams", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return {team["teamId"]: team for team in response.json()["data"]}


async def _version(database: Database) -> int:
    async with database.engine.connect() as conn:
        return int(
            (
                await conn.execute(text("SELECT version FROM read_model_versions WHERE name = 'team_list'"))
            ).scalar_one()
        )


async def test_a_review_on_one_instance_shows_in_the_list_the_other_kept(
    client: httpx.AsyncClient,
    other_instance: httpx.AsyncClient,
    container: Container,
    staff: Staff,
) -> None:
    team_id, _ = await create_teams_bulk(container.database, teams=2, players_per_team=11)
    assert (await _list(other_instance, staff.admin))[team_id]["registrationStatus"] == "pending"
    assert (await _list(other_instance, staff.admin))[team_id]["registrationStatus"] == "pending"

    confirmed = await client.put(f"/admin/teams/{team_id}/confirm", headers=staff.admin)
    assert confirmed.status_code == 200, confirmed.text

    assert (await _list(other_instance, staff.admin))[team_id]["registrationStatus"] == "confirmed"


CHANGES = {
    "a church renamed": (
        "UPDATE churches SET name = 'Renamed Church' WHERE id = (SELECT church_id FROM teams WHERE seq = 1)",
        lambda team: team["churchName"] == "Renamed Church",
    ),
    "a player removed": (
        "DELETE FROM players WHERE id = (SELECT max(p.id) FROM players p JOIN teams t ON t.id = p.team_pk "
        "WHERE t.seq = 1)",
        lambda team: team["playerCount"] == 10,
    ),
    "a document purged": (
        "DELETE FROM documents WHERE kind = 'payment_receipt' "
        "AND team_pk = (SELECT id FROM teams WHERE seq = 1)",
        lambda team: team["paymentReceipt"] is None,
    ),
    "a captain's name corrected": (
        "UPDATE teams SET captain_name = 'Corrected Name' WHERE seq = 1",
        lambda team: team["captain"]["name"] == "Corrected Name",
    ),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
async def test_every_change_the_list_shows_reaches_a_kept_list(
    client: httpx.AsyncClient, container: Container, staff: Staff, change: str
) -> None:
    team_id, _ = await create_teams_bulk(container.database, teams=2, players_per_team=11)
    sql, shows_it = CHANGES[change]
    before = await _list(client, staff.admin)
    assert not shows_it(before[team_id])
    version = await _version(container.database)

    async with container.database.engine.begin() as conn:  # as another instance or a script would
        assert (await conn.execute(text(sql))).rowcount == 1

    assert await _version(container.database) == version + 1
    assert shows_it((await _list(client, staff.admin))[team_id])


async def test_a_transaction_moves_the_version_once_and_a_rollback_not_at_all(container: Container) -> None:
    await create_teams_bulk(container.database, teams=3, players_per_team=11)
    version = await _version(container.database)

    async with container.database.engine.connect() as conn:
        await conn.execute(text("UPDATE players SET name = upper(name)"))
        await conn.rollback()
    assert await _version(container.database) == version

    async with container.database.engine.begin() as conn:
        await conn.execute(text("UPDATE players SET name = upper(name)"))  # 33 rows
        await conn.execute(text("UPDATE teams SET captain_name = upper(captain_name)"))
    assert await _version(container.database) == version + 1

    async with container.database.engine.begin() as conn:
        await conn.execute(text("SELECT count(*) FROM teams"))  # a read moves nothing
    assert await _version(container.database) == version + 1

    async with container.database.engine.begin() as conn:  # a restore, or the tests' cleanup
        await conn.execute(text("TRUNCATE players CASCADE"))
    assert await _version(container.database) > version + 1


async def test_each_staff_member_gets_the_links_that_name_them(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team_id, *_ = await create_teams_bulk(container.database, teams=1, players_per_team=11)
    as_admin = (await _list(client, staff.admin))[team_id]["paymentReceipt"]
    as_viewer = (await _list(client, staff.viewer))[team_id]["paymentReceipt"]
    assert as_admin != as_viewer
    assert (await _list(client, staff.admin))[team_id]["paymentReceipt"] == as_admin


async def test_an_unchanged_list_answers_304_to_its_etag(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    await create_teams_bulk(container.database, teams=2, players_per_team=11)
    first = await client.get("/admin/teams", headers={**staff.admin, "Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    again = await client.get("/admin/teams", headers={**staff.admin, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
