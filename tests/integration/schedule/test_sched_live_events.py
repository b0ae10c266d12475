"""The live-event journal in PostgreSQL: written in the change's transaction, announced on commit only,
read by every listener with the same ids, pruned to the resume window, and survived by a listener
whose connection is cut."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.adapters.db.schedule_events import LISTENER_APPLICATION_NAME, PgScheduleEventHub
from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.schedule.ports import StoredMatch
from icct26.services.fixtures import GenerateInput
from icct26.services.live_schedule import ScheduleEvent, Subscription
from icct26.services.schedule import FixtureInput, InningsInput, StartInput
from tests.conftest import make_settings
from tests.support.schedule_factories import insert_teams

pytestmark = pytest.mark.asyncio

ACTOR = Actor(user_id=1, email="admin@example.org")


@pytest_asyncio.fixture
async def hub(container: Container) -> AsyncIterator[PgScheduleEventHub]:
    await container.schedule_events.start()
    assert container.schedule_events.listening
    yield container.schedule_events


async def create_match(container: Container, number: int = 1) -> int:
    fixture = FixtureInput("Round 1", 1, number, "ICCT-001", "ICCT-002", "2026-01-24T09:30")
    return (await container.schedule.create(fixture, ACTOR)).id


async def next_event(subscription: object, timeout: float = 5.0) -> ScheduleEvent:
    async with asyncio.timeout(timeout):
        event = await subscription.next()  # type: ignore[attr-defined]
    assert event is not None
    return event


async def journal_ids(database: Database) -> list[int]:
    async with database.engine.connect() as conn:
        return list((await conn.execute(text("SELECT id FROM schedule_events ORDER BY id"))).scalars())


async def watched_new_match(container: Container, hub: PgScheduleEventHub) -> tuple[Subscription, int]:
    """A subscription, then a match between two new teams (whose creation is the next event)."""
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    subscription = hub.subscribe()
    return subscription, await create_match(container)


async def test_each_committed_change_reaches_subscribers_with_the_public_match_json(
    container: Container, hub: PgScheduleEventHub
) -> None:
    subscription, match_id = await watched_new_match(container, hub)
    created = await next_event(subscription)
    assert created.kind == "match"
    body = json.loads(created.data)
    assert body["id"] == match_id and body["status"] == "scheduled"
    assert body["team1"] == "Zion Warriors" and body["team1_id"] == "ICCT-001"
    assert body["scheduled_start_time"] == "2026-01-24T09:30:00+05:30"

    await container.schedule.start(match_id, StartInput("Zion Warriors", "bat"), ACTOR)
    await container.schedule.record_innings(match_id, 1, InningsInput("Zion Warriors", 142, 6), ACTOR)
    started, scored = await next_event(subscription), await next_event(subscription)
    assert started.id < scored.id
    assert json.loads(scored.data)["team1_first_innings_runs"] == 142
    listed = await container.schedule.get_match(match_id)
    assert listed.version == 2  # two saved changes after the creation

    other = await create_match(container, 2)
    await next_event(subscription)
    await container.schedule.delete(other, ACTOR)
    deleted = await next_event(subscription)
    assert (deleted.kind, json.loads(deleted.data)) == ("match_deleted", {"id": other})


async def test_a_change_that_rolls_back_announces_nothing(
    container: Container, hub: PgScheduleEventHub
) -> None:
    subscription, match_id = await watched_new_match(container, hub)
    await next_event(subscription)
    stored = await container.schedule.get_match(match_id)
    async with container.schedule._uow() as uow:  # journal written, never committed
        await uow.events.match_changed(stored)
    await container.schedule.abandon(match_id, ACTOR)
    event = await next_event(subscription)
    assert json.loads(event.data)["status"] == "abandoned"
    assert len(await journal_ids(container.database)) == 2  # the creation and the abandonment


@pytest.mark.parametrize("settings_overrides", [{"SSE_REPLAY_EVENTS": "3"}])
async def test_the_journal_keeps_the_resume_window_and_replay_says_when_it_is_incomplete(
    container: Container, hub: PgScheduleEventHub
) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    for number in range(1, 6):
        await create_match(container, number)
    ids = await journal_ids(container.database)
    assert ids == [3, 4, 5]
    assert (await hub.replay(2, 100)).complete
    partial = await hub.replay(1, 100)
    assert not partial.complete and [e.id for e in partial.events] == [3, 4, 5] and partial.head == 5


async def test_every_listener_sees_the_same_ids(
    container: Container, hub: PgScheduleEventHub, database_url: str, tmp_path: Path
) -> None:
    """A second process's hub (its own pool and LISTEN connection) numbers events identically."""
    other_db = Database(database_url, make_settings(database_url, tmp_path).database)
    other = PgScheduleEventHub(other_db)
    await other.start()
    try:
        await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
        here, there = hub.subscribe(), other.subscribe()
        await create_match(container, 1)
        await create_match(container, 2)
        mine = [await next_event(here), await next_event(here)]
        theirs = [await next_event(there), await next_event(there)]
        assert mine == theirs
    finally:
        await other.stop()
        await other_db.dispose()


async def test_the_listener_reconnects_and_catches_up_when_its_connection_is_cut(
    container: Container, hub: PgScheduleEventHub
) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    subscription = hub.subscribe()
    async with container.database.engine.begin() as conn:
        cut = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = :n AND datname = current_database()"
            ),
            {"n": LISTENER_APPLICATION_NAME},
        )
    assert cut == 1
    match_id = await create_match(container)  # committed while the listener may still be away
    assert json.loads((await next_event(subscription, 15)).data)["id"] == match_id
    await container.schedule.abandon(match_id, ACTOR)
    assert json.loads((await next_event(subscription, 15)).data)["status"] == "abandoned"
    assert hub.listening


async def test_a_journal_that_restarts_below_the_listener_ends_streams_and_is_followed(
    container: Container, hub: PgScheduleEventHub
) -> None:
    """E.g. a database restored from a backup: ids start again lower than the listener has read."""
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers")
    before = hub.subscribe()
    await create_match(container, 1)
    await create_match(container, 2)
    await next_event(before)
    await next_event(before)
    async with container.database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE schedule_events RESTART IDENTITY"))
    after = hub.subscribe()
    await create_match(container, 3)  # journal id 1, below the listener's 2
    assert await asyncio.wait_for(after.next(), 5) is None  # the stream ends: the browser reconnects
    again = hub.subscribe()
    await create_match(container, 4)
    assert json.loads((await next_event(again)).data)["match_number"] == 4


async def generate_knockout(container: Container) -> tuple[StoredMatch, StoredMatch]:
    """Three teams: ICCT-001 has the bye and waits in the final for the winner of 002 v 003."""
    generated = await container.fixtures.generate(
        GenerateInput(format="knockout", teams=["ICCT-001", "ICCT-002", "ICCT-003"]), ACTOR
    )
    first, final = generated.matches
    return first, final


async def test_generated_matches_and_a_team_sent_on_reach_subscribers(
    container: Container, hub: PgScheduleEventHub
) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers", "Hebron Lions")
    subscription = hub.subscribe()
    first, final = await generate_knockout(container)
    announced = [json.loads((await next_event(subscription)).data) for _ in range(2)]
    assert [body["id"] for body in announced] == [first.id, final.id]
    assert announced[1]["team2"] == f"Winner of Match {announced[0]['match_number']}"

    await container.schedule.abandon(first.id, ACTOR)
    assert json.loads((await next_event(subscription)).data)["status"] == "abandoned"
    await container.schedule.advance(first.id, "ICCT-003", ACTOR)
    advanced = await next_event(subscription)
    body = json.loads(advanced.data)
    assert (body["id"], body["team2_id"], body["team2"]) == (final.id, "ICCT-003", "Hebron Lions")
    # Sending the same team again changes nothing and announces nothing.
    await container.schedule.advance(first.id, "ICCT-003", ACTOR)
    with pytest.raises(TimeoutError):
        await next_event(subscription, timeout=0.5)


async def test_deleting_a_feeding_match_announces_the_place_that_waited_for_it(
    container: Container, hub: PgScheduleEventHub
) -> None:
    await insert_teams(container.database, "Zion Warriors", "Bethel Strikers", "Hebron Lions")
    first, final = await generate_knockout(container)
    before = await container.schedule.get_match(final.id)
    subscription = hub.subscribe()
    await container.schedule.delete(first.id, ACTOR)
    deleted, changed = await next_event(subscription), await next_event(subscription)
    assert (deleted.kind, json.loads(deleted.data)) == ("match_deleted", {"id": first.id})
    body = json.loads(changed.data)
    assert (body["id"], body["team2"], body["team2_from"]) == (final.id, "To be decided", None)
    after = await container.schedule.get_match(final.id)
    assert after.version == before.version + 1  # the calendar entry's SEQUENCE moves on
    assert after.updated_at > before.updated_at
