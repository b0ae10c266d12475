"""The fixtures migration: the migrated schema matches the models, and an existing match survives the
upgrade with its teams and the default quota of overs (and the downgrade)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from icct26.adapters.db import migrations
from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import metadata
from tests.conftest import _plain, empty_database

MATCH_COLUMNS = {"team1_from_pk", "team2_from_pk", "overs_per_innings", "team1_balls", "team2_balls"}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _touches_matches(diff: Any) -> bool:
    return "matches" in repr(diff)


@pytest.mark.asyncio
async def test_migrated_matches_table_equals_the_model(database: Database) -> None:
    async with database.engine.connect() as conn:
        differences = await conn.run_sync(_differences)

    assert [d for d in differences if _touches_matches(d)] == []


@pytest.fixture
def scratch_database(server_url: str) -> Iterator[str]:
    """An empty database of its own, to walk the migrations up and down."""
    with empty_database(server_url, "icct26_migration") as url:
        yield url


def test_an_existing_match_survives_upgrade_and_downgrade(scratch_database: str) -> None:
    migrations.upgrade(scratch_database, "0001")

    async def seed_and_read(sql_after: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_plain(scratch_database))
        try:
            return list(await conn.fetch(sql_after))
        finally:
            await conn.close()

    asyncio.run(
        seed_and_read(
            """
            WITH church AS (
              INSERT INTO churches (name, key, created_at, updated_at)
              VALUES ('CSI Test', 'csi test', now(), now()) RETURNING id
            ), team AS (
              INSERT INTO teams (team_id, seq, name, name_key, church_id, captain_name, captain_phone,
                captain_email, vice_name, vice_phone, vice_email, status, submitted_at,
                created_at, updated_at)
              SELECT 'ICCT-00' || n, n, 'Team ' || n, 'team ' || n, church.id, 'Cap', '987654321' || n,
                'c' || n || '@example.org', 'Vice', '887654321' || n, 'v' || n || '@example.org',
                'confirmed', now(), now(), now()
              FROM church, generate_series(1, 2) AS n RETURNING id
            )
            INSERT INTO matches (round, round_number, match_number, team1_pk, team2_pk, status,
              team1_runs, team1_wickets, created_at, updated_at)
            SELECT 'Round 1', 1, 1, min(id), max(id), 'live', 150, 7, now(), now() FROM team
            RETURNING id
            """
        )
    )
    migrations.upgrade(scratch_database, "0003")
    (after,) = asyncio.run(
        seed_and_read("SELECT team1_pk, team2_pk, team1_runs, overs_per_innings, team1_balls FROM matches")
    )
    assert after["team1_pk"] and after["team2_pk"] and after["team1_runs"] == 150
    assert (after["overs_per_innings"], after["team1_balls"]) == (20, None)

    migrations.downgrade(scratch_database, "0001")
    (back,) = asyncio.run(seed_and_read("SELECT * FROM matches"))
    assert back["team1_runs"] == 150 and not MATCH_COLUMNS & set(back.keys())
