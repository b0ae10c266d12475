"""ScheduleService against in-memory fakes: fixtures between confirmed teams, number conflicts, the
match-day steps with their audit rows, results checked against scores, and the standings built from
what was stored. Row locks and the unique constraint under concurrency are tested on PostgreSQL in
tests/integration/schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.domain.schedule import MarginType, MatchStatus, PointsRules, ResultType
from icct26.services.schedule import (
    KEEP,
    FinishInput,
    FixtureInput,
    InningsInput,
    Keep,
    ScheduleService,
    StartInput,
)
from tests.fakes.schedule import FakeScheduleDatabase
from tests.unit.services.expect import refusal

KOLKATA = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
SCORER = Actor(3, "scorer@example.org")


@pytest.fixture
def db() -> FakeScheduleDatabase:
    db = FakeScheduleDatabase()
    for name in ("Zion Lions", "Grace Eagles", "Bethel Rams"):
        db.add_team(name)  # ICCT-001, ICCT-002, ICCT-003, all confirmed
    return db


@pytest.fixture
def schedule(db: FakeScheduleDatabase) -> ScheduleService:
    return ScheduleService(db.unit_of_work, KOLKATA, PointsRules(), clock=lambda: NOW)


def fixture(
    team1: str = "Zion Lions",
    team2: str = "Grace Eagles",
    *,
    number: int = 1,
    round_number: int = 1,
    scheduled_start_time: str | Keep | None = None,
) -> FixtureInput:
    return FixtureInput("League", round_number, number, team1, team2, scheduled_start_time)


async def play(
    schedule: ScheduleService, match_id: int, first: tuple[str, int, int], second: tuple[str, int, int]
) -> None:
    """Toss, then both innings (team, runs, wickets)."""
    await schedule.start(match_id, StartInput(first[0], "bat"), SCORER)
    await schedule.record_innings(match_id, 1, InningsInput(*first), SCORER)
    await schedule.record_innings(match_id, 2, InningsInput(*second), SCORER)


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_fixture_names_teams_by_name_or_team_id_and_keeps_local_time(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    stored = await schedule.create(
        fixture("zion  lions", "icct-002", scheduled_start_time="2026-03-12T09:30"), SCORER
    )

    assert (stored.match.team1.name, stored.team1_code) == ("Zion Lions", "ICCT-001")
    assert (stored.match.team2.name, stored.team2_code) == ("Grace Eagles", "ICCT-002")
    assert stored.match.scheduled_start_time == datetime(2026, 3, 12, 9, 30, tzinfo=KOLKATA)
    assert stored.match.status is MatchStatus.SCHEDULED
    (entry,) = db.committed.audit
    assert (entry.action, entry.target_id, entry.before) == ("match.create", str(stored.id), None)
    assert entry.after is not None and entry.after["team1"] == "Zion Lions"
    assert schedule.generation == 1


@pytest.mark.asyncio
async def test_every_fixture_problem_is_reported_at_once(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    db.add_team("Zion Lions", TeamStatus.CONFIRMED)  # a second team of that name

    error = await refusal(
        schedule.create(
            FixtureInput("", 0, 1, "Zion Lions", "Nobody XI", scheduled_start_time="tomorrow"), SCORER
        )
    )

    assert error.code is ErrorCode.VALIDATION_FAILED
    assert {(e.field, e.code) for e in error.errors} == {
        ("scheduled_start_time", "invalid_datetime"),
        ("team1", "ambiguous_team"),
        ("team2", "unknown_team"),
        ("round", "required"),
        ("round_number", "out_of_range"),
    }
    assert db.committed.matches == {} and db.commits == 0


@pytest.mark.asyncio
async def test_only_confirmed_teams_can_play(db: FakeScheduleDatabase, schedule: ScheduleService) -> None:
    db.add_team("Pending XI", TeamStatus.PENDING)

    error = await refusal(schedule.create(fixture("Zion Lions", "Pending XI"), SCORER))

    assert error.code is ErrorCode.TEAM_NOT_ELIGIBLE
    assert [(e.field, e.code) for e in error.errors] == [("team2", "team_not_confirmed")]
    assert db.committed.matches == {}


@pytest.mark.asyncio
async def test_a_team_cannot_play_itself(schedule: ScheduleService) -> None:
    error = await refusal(schedule.create(fixture("Zion Lions", "ICCT-001"), SCORER))
    assert [(e.field, e.code) for e in error.errors] == [("team2", "same_team")]


@pytest.mark.asyncio
async def test_a_round_has_each_match_number_once(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    await schedule.create(fixture(number=1), SCORER)

    error = await refusal(schedule.create(fixture("Bethel Rams", "Zion Lions", number=1), SCORER))
    other_round = await schedule.create(
        fixture("Bethel Rams", "Zion Lions", number=1, round_number=2), SCORER
    )

    assert error.code is ErrorCode.MATCH_CONFLICT
    assert error.extra == {"round_number": 1, "match_number": 1}
    assert other_round.match.round_number == 2
    assert len(db.committed.matches) == 2


@pytest.mark.asyncio
async def test_an_edit_keeps_an_omitted_start_time_and_audits_before_and_after(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(scheduled_start_time="2026-03-12T09:30"), SCORER)

    edited = await schedule.update(
        created.id, fixture("Zion Lions", "Bethel Rams", scheduled_start_time=KEEP), SCORER
    )

    assert edited.match.team2.name == "Bethel Rams"
    assert edited.match.scheduled_start_time == datetime(2026, 3, 12, 9, 30, tzinfo=KOLKATA)
    assert edited.updated_at > created.updated_at
    entry = db.committed.audit[-1]
    assert entry.action == "match.update"
    assert (entry.before or {})["team2"] == "Grace Eagles" and (entry.after or {})["team2"] == "Bethel Rams"


@pytest.mark.asyncio
async def test_an_edit_cannot_take_another_matchs_number(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    await schedule.create(fixture(number=1), SCORER)
    second = await schedule.create(fixture("Bethel Rams", "Zion Lions", number=2), SCORER)

    error = await refusal(schedule.update(second.id, fixture("Bethel Rams", "Zion Lions", number=1), SCORER))
    same_number = await schedule.update(second.id, fixture("Bethel Rams", "Grace Eagles", number=2), SCORER)

    assert error.code is ErrorCode.MATCH_CONFLICT
    assert same_number.match.match_number == 2


@pytest.mark.asyncio
async def test_a_team_rejected_after_scheduling_stays_in_its_match(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(), SCORER)
    db.set_status("ICCT-002", TeamStatus.REJECTED)

    edited = await schedule.update(created.id, fixture(number=5), SCORER)

    assert edited.match.match_number == 5
    error = await refusal(schedule.create(fixture("Bethel Rams", "Grace Eagles", number=6), SCORER))
    assert error.code is ErrorCode.TEAM_NOT_ELIGIBLE


@pytest.mark.asyncio
async def test_only_matches_not_yet_started_can_be_deleted(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    waiting = await schedule.create(fixture(number=1), SCORER)
    live = await schedule.create(fixture(number=2), SCORER)
    await schedule.start(live.id, StartInput("Zion Lions", "bat"), SCORER)

    await schedule.delete(waiting.id, SCORER)
    error = await refusal(schedule.delete(live.id, SCORER))

    assert error.code is ErrorCode.MATCH_LOCKED
    assert list(db.committed.matches) == [live.id]
    deleted = [e for e in db.committed.audit if e.action == "match.delete"]
    assert [(e.target_id, e.after) for e in deleted] == [(str(waiting.id), None)]


@pytest.mark.parametrize("match_id", [0, 99, 2**63])
@pytest.mark.asyncio
async def test_unknown_or_impossible_match_ids_are_not_found(
    schedule: ScheduleService, match_id: int
) -> None:
    assert (await refusal(schedule.get_match(match_id))).code is ErrorCode.MATCH_NOT_FOUND
    assert (await refusal(schedule.delete(match_id, SCORER))).code is ErrorCode.MATCH_NOT_FOUND
    assert (await refusal(schedule.abandon(match_id, SCORER))).code is ErrorCode.MATCH_NOT_FOUND


# --- the match day ---------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_match_goes_from_toss_to_result_with_one_audit_row_per_step(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(), SCORER)

    await play(schedule, created.id, ("Zion Lions", 150, 8), ("Grace Eagles", 151, 4))
    finished = await schedule.finish(created.id, FinishInput(winner="grace eagles"), SCORER)

    match = finished.match
    assert match.status is MatchStatus.COMPLETED
    assert match.actual_start_time == NOW and match.match_end_time == NOW  # defaults to the clock
    assert match.result is not None
    assert (match.result.result_type, match.result.winner, match.result.margin, match.result.margin_type) == (
        ResultType.WIN,
        match.team2,
        6,
        MarginType.WICKETS,
    )
    assert [e.action for e in db.committed.audit] == [
        "match.create",
        "match.start",
        "match.first_innings",
        "match.second_innings",
        "match.finish",
    ]
    assert (db.committed.audit[-1].after or {})["result"]["winner"] == "Grace Eagles"


@pytest.mark.asyncio
async def test_a_result_the_scores_contradict_is_refused(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(), SCORER)
    await play(schedule, created.id, ("Zion Lions", 150, 8), ("Grace Eagles", 120, 10))

    wrong_winner = await refusal(schedule.finish(created.id, FinishInput(winner="Grace Eagles"), SCORER))
    wrong_margin = await refusal(
        schedule.finish(created.id, FinishInput(winner="Zion Lions", margin=20, margin_type="runs"), SCORER)
    )

    assert (wrong_winner.code, wrong_margin.code) == (ErrorCode.INVALID_RESULT, ErrorCode.INVALID_RESULT)
    assert wrong_margin.extra["expected_margin"] == 30
    assert db.match(created.id).status is MatchStatus.LIVE


@pytest.mark.asyncio
async def test_steps_out_of_order_are_refused_and_change_nothing(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(), SCORER)

    not_live = await refusal(
        schedule.record_innings(created.id, 1, InningsInput("Zion Lions", 10, 1), SCORER)
    )
    await schedule.start(created.id, StartInput("Zion Lions", "bowl"), SCORER)
    no_innings = await refusal(schedule.finish(created.id, FinishInput(winner="Zion Lions"), SCORER))
    started_twice = await refusal(schedule.start(created.id, StartInput("Zion Lions", "bat"), SCORER))

    assert [e.code for e in (not_live, no_innings, started_twice)] == [ErrorCode.INVALID_MATCH_STATE] * 3
    assert [e.action for e in db.committed.audit] == ["match.create", "match.start"]


@pytest.mark.asyncio
async def test_a_completed_match_is_locked(db: FakeScheduleDatabase, schedule: ScheduleService) -> None:
    created = await schedule.create(fixture(), SCORER)
    await schedule.start(created.id, StartInput("Zion Lions", "bat"), SCORER)
    await schedule.finish(created.id, FinishInput(result_type="no_result"), SCORER)

    edit = await refusal(schedule.update(created.id, fixture(number=9), SCORER))
    rescore = await refusal(schedule.record_innings(created.id, 1, InningsInput("Zion Lions", 10, 1), SCORER))
    abandon = await refusal(schedule.abandon(created.id, SCORER))

    assert [e.code for e in (edit, rescore, abandon)] == [
        ErrorCode.MATCH_LOCKED,
        ErrorCode.MATCH_LOCKED,
        ErrorCode.INVALID_MATCH_STATE,
    ]


@pytest.mark.asyncio
async def test_a_start_time_given_by_the_scorer_is_local_time(schedule: ScheduleService) -> None:
    created = await schedule.create(fixture(), SCORER)

    started = await schedule.start(
        created.id, StartInput("Zion Lions", "bat", actual_start_time="2026-03-10T10:05"), SCORER
    )

    assert started.match.actual_start_time == datetime(2026, 3, 10, 10, 5, tzinfo=KOLKATA)


@pytest.mark.asyncio
async def test_abandoning_is_allowed_before_a_result_and_repeating_it_is_harmless(
    schedule: ScheduleService,
) -> None:
    created = await schedule.create(fixture(), SCORER)

    await schedule.abandon(created.id, SCORER)
    again = await schedule.abandon(created.id, SCORER)

    assert again.match.status is MatchStatus.ABANDONED


# --- reads and standings -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_standings_count_completed_matches_only_per_round(schedule: ScheduleService) -> None:
    won = await schedule.create(fixture("Zion Lions", "Grace Eagles", number=1), SCORER)
    await play(schedule, won.id, ("Zion Lions", 150, 8), ("Grace Eagles", 120, 10))
    await schedule.finish(won.id, FinishInput(winner="Zion Lions"), SCORER)
    tied = await schedule.create(fixture("Bethel Rams", "Zion Lions", number=2), SCORER)
    await play(schedule, tied.id, ("Bethel Rams", 100, 5), ("Zion Lions", 100, 9))
    await schedule.finish(tied.id, FinishInput(result_type="tie"), SCORER)
    await schedule.create(fixture("Bethel Rams", "Grace Eagles", number=3), SCORER)  # not played yet

    (table,) = await schedule.standings()

    rows = {
        row.team_id: (row.team_name, row.played, row.won, row.lost, row.tied, row.points)
        for row in table.rows
    }
    assert rows == {
        "ICCT-001": ("Zion Lions", 2, 1, 0, 1, 3),
        "ICCT-003": ("Bethel Rams", 1, 0, 0, 1, 1),
        "ICCT-002": ("Grace Eagles", 1, 0, 1, 0, 0),
    }
    assert table.rows[0].team_id == "ICCT-001"


@pytest.mark.asyncio
async def test_the_list_is_in_schedule_order_and_filters_by_status_and_round(
    schedule: ScheduleService,
) -> None:
    late = await schedule.create(fixture(number=2, round_number=2), SCORER)
    early = await schedule.create(fixture(number=7), SCORER)
    await schedule.abandon(early.id, SCORER)

    everything = await schedule.list_matches()
    abandoned = await schedule.list_matches(status="abandoned")
    round_two = await schedule.list_matches(round_number=2)
    done = await schedule.list_matches(status="done")

    assert [m.id for m in everything] == [early.id, late.id]
    assert [m.id for m in abandoned] == [early.id]
    assert [m.id for m in round_two] == [late.id]
    assert done == []
    assert (await refusal(schedule.list_matches(status="finished"))).code is ErrorCode.VALIDATION_FAILED


@pytest.mark.asyncio
async def test_a_refused_change_leaves_the_generation_alone(schedule: ScheduleService) -> None:
    """Read caches compare the generation: only committed changes may move it."""
    created = await schedule.create(fixture(), SCORER)
    await refusal(schedule.create(fixture(), SCORER))
    await refusal(schedule.delete(created.id + 1, SCORER))
    assert schedule.generation == 1


@pytest.mark.asyncio
async def test_committed_changes_are_announced_and_refused_ones_are_not(
    db: FakeScheduleDatabase, schedule: ScheduleService
) -> None:
    created = await schedule.create(fixture(), SCORER)
    await refusal(schedule.create(fixture(), SCORER))
    await schedule.delete(created.id, SCORER)
    assert db.committed.events == [("changed", created.id), ("deleted", created.id)]
