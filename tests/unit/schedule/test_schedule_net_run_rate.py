"""Overs in cricket notation and net run rate in the standings, checked against hand-computed tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import ValidationFailed
from icct26.domain.schedule import Match, PointsRules, StandingsRow, TeamRef, compute_standings
from icct26.domain.schedule.overs import format_overs, parse_overs

ALPHA = TeamRef(1, "Alpha XI")
BRAVO = TeamRef(2, "Bravo XI")
CHARLIE = TeamRef(3, "Charlie XI")


@pytest.mark.parametrize(("text", "balls"), [("19.4", 118), ("20", 120), (" 0.1 ", 1), ("7.0", 42)])
def test_overs_are_overs_and_balls(text: str, balls: int) -> None:
    assert parse_overs(text, 20) == balls


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("19.6", "invalid_overs"),
        ("19.45", "invalid_overs"),
        ("nineteen", "invalid_overs"),
        ("-1", "invalid_overs"),
        ("0", "out_of_range"),
        ("20.1", "above_quota"),
        ("21", "above_quota"),
    ],
)
def test_bad_overs_name_the_field(text: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_overs(text, 20)
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("overs", code)


@given(st.integers(1, 50 * 6))
def test_overs_round_trip(balls: int) -> None:
    assert parse_overs(format_overs(balls), 50) == balls


def played(
    number: int,
    first: tuple[TeamRef, int, int, str | None],
    second: tuple[TeamRef, int, int, str | None],
    winner: TeamRef | None,
    overs_per_innings: int = 20,
) -> Match:
    """A completed match: `first` batted first; (team, runs, wickets, overs)."""
    match = Match.schedule("Group A", 1, number, first[0], second[0], overs_per_innings=overs_per_innings)
    match.start(first[0], "bat")
    match.record_innings(1, first[0], first[1], first[2], first[3])
    match.record_innings(2, second[0], second[1], second[2], second[3])
    match.finish("win" if winner else "tie", winner)
    return match


def three_way_tie_on_points() -> list[Match]:
    return [
        played(1, (ALPHA, 160, 6, "20"), (BRAVO, 140, 8, "20"), ALPHA),
        # Charlie is bowled out in 18.3 overs but is charged the full 20 for net run rate.
        played(2, (CHARLIE, 120, 10, "18.3"), (BRAVO, 121, 3, "15.2"), BRAVO),
        played(3, (ALPHA, 150, 7, "20"), (CHARLIE, 151, 5, "19.1"), CHARLIE),
    ]


def test_equal_points_are_ordered_by_net_run_rate_with_all_out_charged_the_full_quota() -> None:
    (table,) = compute_standings(three_way_tie_on_points(), PointsRules())

    # Hand computed (overs as balls / 6):
    # Bravo   261 in 35.2 (212 balls), 280 against in 40.0 (240): 7.3868 - 7.0000 = +0.387
    # Alpha   310 in 40.0 (240),       291 against in 39.1 (235): 7.7500 - 7.4298 = +0.320
    # Charlie 271 in 39.1 (120 charged + 115), 271 against in 35.2 (212): 6.9191 - 7.6698 = -0.751
    assert [(row.team, row.points, row.nrr) for row in table.rows] == [
        (BRAVO, 2, 0.387),
        (ALPHA, 2, 0.32),
        (CHARLIE, 2, -0.751),
    ]
    assert table.rows[0] == StandingsRow(
        BRAVO,
        played=2,
        won=1,
        lost=1,
        points=2,
        runs_for=261,
        balls_for=212,
        runs_against=280,
        balls_against=240,
    )
    assert (table.rows[2].balls_for, table.rows[2].balls_against) == (235, 212)


def test_without_the_all_out_rule_the_order_would_differ() -> None:
    """Charged 18.3 instead of 20 overs, Bravo's NRR would drop below Alpha's: the rule matters here."""
    matches = three_way_tie_on_points()
    matches[1].team1_wickets = 9  # not all out any more: the 18.3 overs count

    rows = compute_standings(matches, PointsRules())[0].rows

    assert [row.team for row in rows] == [ALPHA, BRAVO, CHARLIE]


def test_unknown_overs_make_overs_and_nrr_unknown_but_runs_still_add_up() -> None:
    matches = [
        played(1, (ALPHA, 160, 6, None), (BRAVO, 140, 8, "20"), ALPHA),
        played(2, (BRAVO, 90, 10, None), (ALPHA, 91, 1, "9.2"), ALPHA),
    ]

    rows = {row.team: row for row in compute_standings(matches)[0].rows}

    alpha, bravo = rows[ALPHA], rows[BRAVO]
    assert (alpha.runs_for, alpha.balls_for, alpha.runs_against, alpha.balls_against) == (251, None, 230, 240)
    assert alpha.nrr is None
    # Bravo's own innings: 20 overs and all out (charged 20) are both known; Alpha's first is not.
    assert (bravo.runs_for, bravo.balls_for, bravo.balls_against) == (230, 240, None)
    assert bravo.nrr is None


def test_no_result_and_unplayed_matches_add_nothing() -> None:
    rained = Match.schedule("Group A", 1, 1, ALPHA, BRAVO)
    rained.start(ALPHA, "bat")
    rained.record_innings(1, ALPHA, 50, 1, "6")
    rained.finish("no_result")

    rows = compute_standings([rained])[0].rows

    assert all((r.runs_for, r.balls_for, r.nrr) == (0, 0, None) for r in rows)


def test_innings_overs_must_fit_the_match_quota() -> None:
    match = Match.schedule("Final", 1, 1, ALPHA, BRAVO, overs_per_innings=10)
    match.start(ALPHA, "bat")

    with pytest.raises(ValidationFailed) as caught:
        match.record_innings(1, ALPHA, 80, 2, "10.1")
    assert [e.field for e in caught.value.errors] == ["overs"]
    match.record_innings(1, ALPHA, 80, 2, "10")
    assert match.team1_balls == 60


def test_quota_outside_limits_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Match.schedule("Final", 1, 1, ALPHA, BRAVO, overs_per_innings=0)
    assert [e.field for e in caught.value.errors] == ["overs_per_innings"]


TEAMS = [TeamRef(i, f"Team {i}") for i in range(1, 6)]


@st.composite
def innings(draw: st.DrawFn) -> tuple[int, int, str | None]:
    wickets = draw(st.integers(0, 10))
    balls = draw(st.integers(1, 120))
    overs = draw(st.none() | st.just(f"{balls // 6}.{balls % 6}"))
    return draw(st.integers(0, 300)), wickets, overs


@st.composite
def decided_matches(draw: st.DrawFn) -> list[Match]:
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(TEAMS), st.sampled_from(TEAMS)).filter(lambda p: p[0] != p[1]))
    )
    matches = []
    for number, (team1, team2) in enumerate(pairs, start=1):
        first, second = draw(innings()), draw(innings())
        if second[0] > first[0] and second[1] == 10:
            second = (second[0], 9, second[2])  # a chase that passes the target is not all out
        winner = team1 if first[0] > second[0] else team2 if second[0] > first[0] else None
        matches.append(played(number, (team1, *first), (team2, *second), winner))
    return matches


@given(decided_matches())
def test_what_one_side_scores_the_other_concedes(matches: list[Match]) -> None:
    for table in compute_standings(matches):
        rows = table.rows
        assert sum(r.runs_for for r in rows) == sum(r.runs_against for r in rows)
        if all(r.balls_for is not None and r.balls_against is not None for r in rows):
            assert sum(r.balls_for or 0 for r in rows) == sum(r.balls_against or 0 for r in rows)
        known = [r.nrr for r in rows if r.nrr is not None]
        ordered = [r for r in rows if r.points == rows[0].points and r.nrr is not None]
        assert [r.nrr for r in ordered] == sorted((r.nrr for r in ordered), reverse=True)
        assert all(isinstance(value, float) for value in known)
