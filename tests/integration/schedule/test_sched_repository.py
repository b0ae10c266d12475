"""Matches in PostgreSQL: round trip of the aggregate, the unique constraint mapped to MATCH_CONFLICT,
and row locks that keep two concurrent changes from both succeeding."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.db.schedule_repository import SqlScheduleUnitOfWork
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.schedule import Match, MatchStatus, TeamRef
from icct26.services.schedule import FixtureInput, InningsInput, StartInput
from tests.support.schedule_factories import insert_team, insert_teams

pytestmark = pytest.mark.asyncio

ACTOR = Actor(user_id=1, email="admin@example.org")


async def _schedule(database: Database, match: Match) -> int:
    async with SqlScheduleUnitOfWork(database) as uow:
        match_id = await uow.matches.add(match)
        await uow.commit()
    return match_id


async def test_aggregate_round_trip(database: Database) -> None:
    a, b = await insert_teams(database, "Alpha XI", "Bravo XI")
    alpha, bravo = TeamRef(a.pk, a.name), TeamRef(b.pk, b.name)
    start = datetime(2026, 1, 24, 4, 0, tzinfo=UTC)
    match = Match.schedule("Group A", 1, 1, alpha, bravo, start)
    match_id = await _schedule(database, match)
    async with SqlScheduleUnitOfWork(database) as uow:
        locked = await uow.matches.lock(match_id)
        assert locked is not None
        locked.start("Bravo XI", "bowl", "https://s.example/1", start)
        locked.record_innings(1, "Alpha XI", 150, 6)
        locked.record_innings(2, "Bravo XI", 151, 2)
        locked.finish(winner="bravo xi", margin=8, margin_type="wickets", match_end_time=start)
        await uow.matches.save(locked)
        await uow.commit()
    async with SqlScheduleUnitOfWork(database) as uow:
        stored = await uow.matches.get(match_id)
    assert stored is not None
    assert (stored.team1_code, stored.team2_code) == (a.team_id, b.team_id)
    assert stored.match == locked
    assert stored.match.status is MatchStatus.COMPLETED
    assert stored.updated_at >= stored.created_at


async def test_unique_numbers_are_mapped_to_match_conflict(database: Database) -> None:
    a, b = await insert_teams(database, "Alpha XI", "Bravo XI")
    teams = TeamRef(a.pk, a.name), TeamRef(b.pk, b.name)
    await _schedule(database, Match.schedule("R1", 1, 5, *teams))
    # No pre-check here: the constraint itself must answer, as it does for racing requests.
    with pytest.raises(DomainError) as caught:
        await _schedule(database, Match.schedule("R1", 1, 5, *reversed(teams)))
    assert caught.value.code is ErrorCode.MATCH_CONFLICT
    second = await _schedule(database, Match.schedule("R1", 1, 6, *teams))
    async with SqlScheduleUnitOfWork(database) as uow:
        moved = await uow.matches.lock(second)
        assert moved is not None
        moved.edit("R1", 1, 5, *teams, None)
        with pytest.raises(DomainError) as caught:
            await uow.matches.save(moved)
    assert caught.value.code is ErrorCode.MATCH_CONFLICT


async def test_concurrent_creates_with_the_same_numbers(container: Container) -> None:
    a, b = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    fixture = FixtureInput("R1", 1, 1, a.name, b.name)
    outcomes = await asyncio.gather(
        *(container.schedule.create(fixture, ACTOR) for _ in range(4)), return_exceptions=True
    )
    created = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(created) == 1, outcomes
    assert len(refused) == 3 and {e.code for e in refused} == {ErrorCode.MATCH_CONFLICT}


async def test_concurrent_starts_cannot_both_succeed(container: Container) -> None:
    a, b = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    stored = await container.schedule.create(FixtureInput("R1", 1, 1, a.name, b.name), ACTOR)
    outcomes = await asyncio.gather(
        container.schedule.start(stored.id, StartInput(a.name, "bat"), ACTOR),
        container.schedule.start(stored.id, StartInput(b.name, "bowl"), ACTOR),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], DomainError) and errors[0].code is ErrorCode.INVALID_MATCH_STATE


async def test_concurrent_innings_corrections_are_serialised(container: Container) -> None:
    a, b = await insert_teams(container.database, "Alpha XI", "Bravo XI")
    stored = await container.schedule.create(FixtureInput("R1", 1, 1, a.name, b.name), ACTOR)
    await container.schedule.start(stored.id, StartInput(a.name, "bat"), ACTOR)
    await container.schedule.record_innings(stored.id, 1, InningsInput(a.name, 100, 2), ACTOR)
    await asyncio.gather(
        container.schedule.record_innings(stored.id, 2, InningsInput(b.name, 90, 5), ACTOR),
        container.schedule.record_innings(stored.id, 1, InningsInput(a.name, 101, 2), ACTOR),
    )
    final = (await container.schedule.get_match(stored.id)).match
    # Whatever the order, the first innings is corrected and never lost.
    assert (final.team1_runs, final.team1_wickets) == (101, 2)
    assert final.first_innings_team is not None and final.first_innings_team.name == a.name


async def test_team_lookup_prefers_confirmed_and_reports_ambiguity(container: Container) -> None:
    await insert_team(container.database, "Zion XI", status="rejected", church="CSI One")
    confirmed = await insert_team(container.database, "Zion XI", church="CSI Two")
    other = await insert_team(container.database, "Other XI")
    match = await container.schedule.create(FixtureInput("R1", 1, 1, "zion xi", other.name), ACTOR)
    assert match.team1_code == confirmed.team_id
    await insert_team(container.database, "Zion XI", church="CSI Three")
    with pytest.raises(DomainError) as caught:
        await container.schedule.create(FixtureInput("R1", 1, 2, "Zion XI", other.name), ACTOR)
    assert caught.value.code is ErrorCode.VALIDATION_FAILED
    assert caught.value.errors[0].code == "ambiguous_team"
    by_id = await container.schedule.create(FixtureInput("R1", 1, 2, confirmed.team_id, other.name), ACTOR)
    assert by_id.match.team1.name == "Zion XI"
