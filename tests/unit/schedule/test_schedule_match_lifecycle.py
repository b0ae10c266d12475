"""The match state machine: scheduling, edits, deletion, start, innings and abandonment."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from icct26.domain.errors import DomainError, ErrorCode, ValidationFailed
from icct26.domain.schedule import Match, MatchStatus, TeamRef, TossChoice

LIONS = TeamRef(1, "CSI Immanuel Lions")
EAGLES = TeamRef(2, "St Peters Eagles")
OUTSIDER = TeamRef(3, "Christ Church Hawks")
NINE = datetime(2026, 1, 24, 3, 30, tzinfo=UTC)
NOON = datetime(2026, 1, 24, 6, 30, tzinfo=UTC)


def scheduled() -> Match:
    return Match.schedule("Round 1", 1, 1, LIONS, EAGLES, NINE, id=7)


def live() -> Match:
    match = scheduled()
    match.start(LIONS, TossChoice.BAT, "https://cricheroes.in/m/1", NINE)
    return match


def completed() -> Match:
    match = live()
    match.record_innings(1, LIONS, 150, 6)
    match.record_innings(2, EAGLES, 120, 10)
    match.finish("win", LIONS, match_end_time=NOON)
    return match


def field_codes(error: ValidationFailed) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.errors]


# --- scheduling and editing --------------------------------------------------------------------


def test_schedule_builds_a_scheduled_match() -> None:
    match = Match.schedule("  Group A  ", 2, 5, LIONS, EAGLES, NINE, id=3)

    assert (match.id, match.round, match.round_number, match.match_number) == (3, "Group A", 2, 5)
    assert (match.team1, match.team2, match.scheduled_start_time) == (LIONS, EAGLES, NINE)
    assert match.status is MatchStatus.SCHEDULED
    assert match.result is None
    assert match.result_view() is None
    assert (match.team1_runs, match.team1_wickets, match.team2_runs, match.team2_wickets) == (None,) * 4


def test_same_team_twice_is_rejected_even_under_another_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Match.schedule("Round 1", 1, 1, LIONS, TeamRef(LIONS.id, "lions (renamed)"))

    assert field_codes(caught.value) == [("team2", "same_team")]


def test_schedule_reports_every_broken_field_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Match.schedule("   ", 0, 0, LIONS, LIONS)

    assert field_codes(caught.value) == [
        ("round", "required"),
        ("round_number", "out_of_range"),
        ("match_number", "out_of_range"),
        ("team2", "same_team"),
    ]


@pytest.mark.parametrize(
    ("label", "round_number", "match_number", "expected"),
    [
        ("x" * 61, 1, 1, ("round", "too_long")),
        ("Final", 100, 1, ("round_number", "out_of_range")),
        ("Final", 1, 1000, ("match_number", "out_of_range")),
        ("Final", -1, 1, ("round_number", "out_of_range")),
    ],
)
def test_schedule_bounds(label: str, round_number: int, match_number: int, expected: tuple[str, str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Match.schedule(label, round_number, match_number, LIONS, EAGLES)

    assert field_codes(caught.value) == [expected]


def test_schedule_upper_bounds_are_inclusive() -> None:
    match = Match.schedule("x" * 60, 99, 999, LIONS, EAGLES)

    assert (len(match.round), match.round_number, match.match_number) == (60, 99, 999)


def test_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Match.schedule("Round 1", 1, 1, LIONS, EAGLES, datetime(2026, 1, 24, 9, 30))


def test_edit_scheduled_match_replaces_the_fixture() -> None:
    match = scheduled()

    match.edit("Semi-final", 2, 4, EAGLES, OUTSIDER, None)

    assert (match.round, match.round_number, match.match_number) == ("Semi-final", 2, 4)
    assert (match.team1, match.team2, match.scheduled_start_time) == (EAGLES, OUTSIDER, None)


def test_invalid_edit_changes_nothing() -> None:
    match = scheduled()

    with pytest.raises(ValidationFailed) as caught:
        match.edit("Round 1", 1, 1, EAGLES, EAGLES, NOON)

    assert field_codes(caught.value) == [("team2", "same_team")]
    assert (match.team1, match.team2, match.scheduled_start_time) == (LIONS, EAGLES, NINE)


def test_edit_completed_match_is_locked() -> None:
    match = completed()

    with pytest.raises(DomainError) as caught:
        match.edit("Round 1", 1, 1, LIONS, EAGLES, NOON)

    assert caught.value.code is ErrorCode.MATCH_LOCKED
    assert match.scheduled_start_time == NINE


@pytest.mark.parametrize(("team1", "team2"), [(LIONS, OUTSIDER), (EAGLES, LIONS)])
def test_live_match_cannot_change_teams(team1: TeamRef, team2: TeamRef) -> None:
    match = live()

    with pytest.raises(DomainError) as caught:
        match.edit("Round 1", 1, 1, team1, team2, NINE)

    assert caught.value.code is ErrorCode.MATCH_LOCKED
    assert (match.team1, match.team2) == (LIONS, EAGLES)


def test_live_match_may_change_label_number_and_time() -> None:
    match = live()

    match.edit("Round 1 (delayed)", 1, 2, LIONS, EAGLES, NOON)

    assert (match.round, match.match_number, match.scheduled_start_time) == ("Round 1 (delayed)", 2, NOON)
    assert match.status is MatchStatus.LIVE


def test_abandoned_match_can_be_rescheduled_by_edit() -> None:
    match = scheduled()
    match.abandon()

    match.edit("Round 1", 1, 1, LIONS, OUTSIDER, NOON)

    assert match.team2 == OUTSIDER


# --- deletion ----------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [live, completed])
def test_live_or_completed_match_cannot_be_deleted(build: Callable[[], Match]) -> None:
    match = build()

    with pytest.raises(DomainError) as caught:
        match.ensure_deletable()

    assert caught.value.code is ErrorCode.MATCH_LOCKED


def test_scheduled_and_abandoned_matches_can_be_deleted() -> None:
    match = scheduled()
    match.ensure_deletable()
    match.abandon()
    match.ensure_deletable()


# --- start -------------------------------------------------------------------------------------


def test_start_goes_live_with_toss_details() -> None:
    match = scheduled()

    match.start("st peters  EAGLES", "bowl", " https://cricheroes.in/m/1 ", NINE)

    assert match.status is MatchStatus.LIVE
    assert match.toss_winner == EAGLES
    assert match.toss_choice is TossChoice.BOWL
    assert match.match_score_url == "https://cricheroes.in/m/1"
    assert match.actual_start_time == NINE


def test_start_without_url_or_time_is_allowed() -> None:
    match = scheduled()

    match.start(LIONS, TossChoice.BAT, "")

    assert (match.status, match.match_score_url, match.actual_start_time) == (MatchStatus.LIVE, None, None)


def test_start_reports_every_bad_field_and_stays_scheduled() -> None:
    match = scheduled()

    with pytest.raises(ValidationFailed) as caught:
        match.start(OUTSIDER, "field", "ftp://scores.example", NINE)

    assert field_codes(caught.value) == [
        ("toss_winner", "team_not_in_match"),
        ("toss_choice", "invalid_choice"),
        ("match_score_url", "invalid_url"),
    ]
    assert match.status is MatchStatus.SCHEDULED
    assert match.toss_winner is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://",
        "scores.example.com",
        "https://exa mple.com",
        "http://[::1",
        "https:///x",
    ],
)
def test_score_url_must_be_http_or_https(url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        scheduled().start(LIONS, "bat", url)

    assert field_codes(caught.value) == [("match_score_url", "invalid_url")]


def test_toss_winner_by_unknown_or_empty_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        scheduled().start("Nobody XI", "bat")
    assert field_codes(caught.value) == [("toss_winner", "team_not_in_match")]

    with pytest.raises(ValidationFailed) as caught:
        scheduled().start("  ", "bat")
    assert field_codes(caught.value) == [("toss_winner", "required")]


@pytest.mark.parametrize("build", [live, completed])
def test_start_only_from_scheduled(build: Callable[[], Match]) -> None:
    match = build()

    with pytest.raises(DomainError) as caught:
        match.start(LIONS, "bat")

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


def test_abandoned_match_cannot_start() -> None:
    match = scheduled()
    match.abandon()

    with pytest.raises(DomainError) as caught:
        match.start(LIONS, "bat")

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


# --- innings -----------------------------------------------------------------------------------


def test_first_innings_may_be_either_team() -> None:
    match = live()

    match.record_innings(1, "St Peters Eagles", 0, 10)

    assert match.first_innings_team == EAGLES
    assert (match.team2_runs, match.team2_wickets) == (0, 10)
    assert (match.team1_runs, match.team1_wickets) == (None, None)
    assert match.second_innings_team is None


def test_second_innings_records_the_other_team() -> None:
    match = live()
    match.record_innings(1, EAGLES, 140, 7)

    match.record_innings(2, LIONS, 999, 0)

    assert (match.first_innings_team, match.second_innings_team) == (EAGLES, LIONS)
    assert (match.team1_runs, match.team1_wickets, match.team2_runs, match.team2_wickets) == (999, 0, 140, 7)
    first, second = match.innings()
    assert first is not None
    assert second is not None
    assert (first.team, first.runs, second.team, second.wickets) == (EAGLES, 140, LIONS, 0)


def test_second_innings_for_the_team_that_already_batted_is_rejected() -> None:
    match = live()
    match.record_innings(1, LIONS, 140, 7)

    with pytest.raises(ValidationFailed) as caught:
        match.record_innings(2, LIONS, 150, 3)

    assert field_codes(caught.value) == [("batting_team", "same_batting_team")]
    assert match.second_innings_team is None
    assert (match.team1_runs, match.team1_wickets) == (140, 7)


def test_second_innings_before_first_is_the_wrong_step() -> None:
    match = live()

    with pytest.raises(DomainError) as caught:
        match.record_innings(2, EAGLES, 100, 2)

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


@pytest.mark.parametrize(
    ("runs", "wickets", "expected"),
    [
        (-1, 0, [("runs", "out_of_range")]),
        (1000, 0, [("runs", "out_of_range")]),
        (10, -1, [("wickets", "out_of_range")]),
        (10, 11, [("wickets", "out_of_range")]),
        (1000, 11, [("runs", "out_of_range"), ("wickets", "out_of_range")]),
    ],
)
def test_innings_score_bounds(runs: int, wickets: int, expected: list[tuple[str, str]]) -> None:
    match = live()

    with pytest.raises(ValidationFailed) as caught:
        match.record_innings(1, LIONS, runs, wickets)

    assert field_codes(caught.value) == expected
    assert match.first_innings_team is None


def test_batting_team_must_play_in_the_match() -> None:
    with pytest.raises(ValidationFailed) as caught:
        live().record_innings(1, OUTSIDER, 100, 2)

    assert field_codes(caught.value) == [("batting_team", "team_not_in_match")]


@pytest.mark.parametrize("innings", [1, 2])
def test_scores_only_while_live(innings: int) -> None:
    match = scheduled()

    with pytest.raises(DomainError) as caught:
        match.record_innings(1 if innings == 1 else 2, LIONS, 100, 2)

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


def test_innings_number_is_one_or_two() -> None:
    with pytest.raises(ValueError, match="innings"):
        live().record_innings(3, LIONS, 100, 2)  # type: ignore[arg-type]


def test_completed_match_cannot_be_rescored() -> None:
    match = completed()

    with pytest.raises(DomainError) as caught:
        match.record_innings(2, EAGLES, 160, 2)

    assert caught.value.code is ErrorCode.MATCH_LOCKED
    assert match.team2_runs == 120


def test_correcting_an_innings_keeps_the_rest() -> None:
    match = live()
    match.record_innings(1, LIONS, 140, 7)
    match.record_innings(2, EAGLES, 100, 5)

    match.record_innings(1, LIONS, 145, 8)
    match.record_innings(2, EAGLES, 101, 6)

    assert (match.team1_runs, match.team1_wickets, match.team2_runs, match.team2_wickets) == (145, 8, 101, 6)
    assert (match.first_innings_team, match.second_innings_team) == (LIONS, EAGLES)


def test_changing_who_batted_first_drops_the_recorded_innings() -> None:
    match = live()
    match.record_innings(1, LIONS, 140, 7)
    match.record_innings(2, EAGLES, 100, 5)

    match.record_innings(1, EAGLES, 100, 5)

    assert (match.first_innings_team, match.second_innings_team) == (EAGLES, None)
    assert (match.team1_runs, match.team1_wickets, match.team2_runs, match.team2_wickets) == (
        None,
        None,
        100,
        5,
    )
    match.record_innings(2, LIONS, 140, 7)
    assert match.second_innings_team == LIONS


# --- abandon -----------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [scheduled, live])
def test_abandon_from_scheduled_or_live_and_repeat(build: Callable[[], Match]) -> None:
    match = build()

    match.abandon()
    match.abandon()

    assert match.status is MatchStatus.ABANDONED


def test_completed_match_cannot_be_abandoned() -> None:
    match = completed()

    with pytest.raises(DomainError) as caught:
        match.abandon()

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE
    assert match.status is MatchStatus.COMPLETED


def test_find_team_by_ref_exact_and_folded_name() -> None:
    match = scheduled()

    assert match.find_team(TeamRef(2, "old name")) == EAGLES
    assert match.find_team("CSI Immanuel Lions") == LIONS
    assert match.find_team("csi  immanuel lions") == LIONS
    assert match.find_team(OUTSIDER) is None
    assert match.find_team("Lions") is None
