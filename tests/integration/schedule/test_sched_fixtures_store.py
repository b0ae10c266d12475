"""Knockout places in PostgreSQL: waiting places round-trip, winners fill them under row locks, a
deleted feeder leaves the place "To be decided", and racing generations never half-write a plan."""

from __future__ import annotations

import asyncio

import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.db.schedule_repository import SqlScheduleUnitOfWork
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.schedule import Feeder, Match, TeamRef
from icct26.services.fixtures import GenerateInput
from tests.support.schedule_factories import insert_teams

pytestmark = pytest.mark.asyncio

ACTOR = Actor(user_id=1, email="admin@example.org")


async def test_waiting_places_round_trip_and_are_found_by_their_feeder(database: Database) -> None:
    a, b, c = await insert_teams(database, "Alpha XI", "Bravo XI", "Charlie XI")
    alpha, bravo, charlie = (TeamRef(t.pk, t.name) for t in (a, b, c))
    async with SqlScheduleUnitOfWork(database) as uow:
        opener = await uow.matches.add(Match.schedule("Semi-finals", 1, 1, bravo, charlie))
        final = await uow.matches.add(
            Match.schedule("Final", 2, 2, alpha, None, team2_from=Feeder(opener, 1), overs_per_innings=10)
        )
        await uow.commit()

    async with SqlScheduleUnitOfWork(database) as uow:
        stored = await uow.matches.get(final)
        assert stored is not None
        assert (stored.team1_code, stored.team2_code) == (a.team_id, None)
        assert stored.match.team2_from == Feeder(opener, 1) and stored.match.overs_per_innings == 10
        assert stored.match.place_name(2) == "Winner of Match 1"
        assert await uow.matches.highest_numbers() == (2, 2)
        assert await uow.matches.numbers_taken([(1, 1), (1, 2), (2, 2)]) == [(1, 1), (2, 2)]
        (waiting,) = await uow.matches.lock_fed_by(opener)
        assert waiting.fill_place(opener, charlie)
        await uow.matches.save(waiting)
        await uow.commit()
    async with SqlScheduleUnitOfWork(database) as uow:
        filled = await uow.matches.get(final)
        assert filled is not None and (filled.team2_code, filled.match.team2_from) == (
            c.team_id,
            Feeder(opener, 1),
        )


async def test_deleting_a_feeder_leaves_the_place_to_be_decided(database: Database) -> None:
    a, b = await insert_teams(database, "Alpha XI", "Bravo XI")
    alpha, bravo = TeamRef(a.pk, a.name), TeamRef(b.pk, b.name)
    async with SqlScheduleUnitOfWork(database) as uow:
        opener = await uow.matches.add(Match.schedule("Round 1", 1, 1, alpha, bravo))
        final = await uow.matches.add(
            Match.schedule("Final", 2, 2, alpha, None, team2_from=Feeder(opener, 1))
        )
        await uow.commit()
    async with SqlScheduleUnitOfWork(database) as uow:
        await uow.matches.remove(opener)
        await uow.commit()
    async with SqlScheduleUnitOfWork(database) as uow:
        stored = await uow.matches.get(final)
    assert stored is not None
    assert (stored.match.team2, stored.match.team2_from, stored.match.place_name(2)) == (
        None,
        None,
        "To be decided",
    )


async def test_concurrent_generations_of_the_same_numbers_write_one_plan(container: Container) -> None:
    await insert_teams(container.database, "Alpha XI", "Bravo XI", "Charlie XI", "Delta XI")
    request = GenerateInput(format="round_robin", round_number_start=1, match_number_start=1)

    outcomes = await asyncio.gather(
        *(container.fixtures.generate(request, ACTOR) for _ in range(3)), return_exceptions=True
    )

    written = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(written) == 1, outcomes
    assert {e.code for e in refused} == {ErrorCode.MATCH_CONFLICT} and len(refused) == 2
    assert len(await container.schedule.list_matches()) == 6
