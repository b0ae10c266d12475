"""A change always moves a match's `updated_at` forward, even when the process making it has a clock
behind the one that stamped the match last (another instance): the public list's answers depend on it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.services.fixtures import GenerateInput
from icct26.services.schedule import FixtureInput
from tests.support.schedule_factories import insert_teams

pytestmark = pytest.mark.asyncio

ACTOR = Actor(user_id=1, email="admin@example.org")


async def stamped_an_hour_ahead(database: Database, match_id: int) -> datetime:
    """What a process whose clock is an hour ahead leaves behind."""
    async with database.engine.begin() as conn:
        stamp = await conn.execute(
            text(
                "UPDATE matches SET updated_at = now() + interval '1 hour'"
                " WHERE id = :id RETURNING updated_at"
            ),
            {"id": match_id},
        )
        ahead: datetime = stamp.scalar_one()
        return ahead


async def test_a_change_moves_updated_at_past_a_stamp_from_a_clock_ahead(container: Container) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    fixture = FixtureInput("Round 1", 1, 1, "ICCT-001", "ICCT-002", "2026-01-24T09:30")
    match_id = (await container.schedule.create(fixture, ACTOR)).id
    ahead = await stamped_an_hour_ahead(container.database, match_id)
    await container.schedule.abandon(match_id, ACTOR)
    assert (await container.schedule.get_match(match_id)).updated_at > ahead


async def test_deleting_a_feeder_moves_the_fed_match_past_a_stamp_from_a_clock_ahead(
    container: Container,
) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers", "Hebron Lions")
    generated = await container.fixtures.generate(
        GenerateInput(format="knockout", teams=["ICCT-001", "ICCT-002", "ICCT-003"]), ACTOR
    )
    first, final = generated.matches
    ahead = await stamped_an_hour_ahead(container.database, final.id)
    await container.schedule.delete(first.id, ACTOR)
    assert (await container.schedule.get_match(final.id)).updated_at > ahead
