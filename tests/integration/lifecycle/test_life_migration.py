"""Migration 0002: the migrated schema matches the models, and it goes down and up again."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from icct26.adapters.db import migrations
from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import metadata

pytestmark = pytest.mark.asyncio


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as conn:
        diffs = await conn.run_sync(_differences)
    assert diffs == []


async def test_existing_rows_survive_and_new_statuses_are_accepted(database: Database) -> None:
    async with database.engine.begin() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version in migrations.head_revisions()  # the session database is fully migrated
        default = (
            await conn.execute(
                text(
                    "SELECT column_default FROM information_schema.columns"
                    " WHERE table_name = 'teams' AND column_name = 'captain_link_version'"
                )
            )
        ).scalar_one()
        assert default == "1"
        check = (
            await conn.execute(
                text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_teams_status'")
            )
        ).scalar_one()
        for status in ("changes_requested", "withdrawn", "waitlisted"):
            assert status in check


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    migrations.downgrade(database_url, "0001")
    migrations.upgrade(database_url)
