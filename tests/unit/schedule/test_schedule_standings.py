"""Standings are derived from completed matches only, grouped per round."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.schedule import (
    Match,
    MatchStatus,
    PointsRules,
    RoundStandings,
    StandingsRow,
    TeamRef,
    compute_standings,
)

A = TeamRef(1, "Alpha Saints")
B = TeamRef(2, "Bethel Blasters")
C = TeamRef(3, "Calvary Chargers")
D = TeamRef(4, "Dayspring Dynamos")


def fixture(
    number: int, team1: TeamRef, team2: TeamRef, round_number: int = 1, label: str = "Group A"
) -> Match:
    return Match.schedule(label, round_number, number, team1, team2)


def played(number: int, team1: TeamRef, team2: TeamRef, outcome: str) -> Match:
    """outcome: 'team1' or 'team2' wins, 'tie', 'no_result'; team1 always bats first."""
    match = fixture(number, team1, team2)
    match.start(team1, "bat")
    if outcome == "no_result":
        match.finish("no_result")
        return match
    match.record_innings(1, team1, 150, 6)
    second = {"team1": 120, "team2": 151, "tie": 150}[outcome]
    match.record_innings(2, team2, second, 4)
    winner = {"team1": team1, "team2": team2, "tie": None}[outcome]
    match.finish("tie" if winner is None else "win", winner)
    return match


def round_robin() -> list[Match]:
    abandoned = fixture(7, C, D)
    abandoned.start(C, "bat")
    abandoned.record_innings(1, C, 200, 2)
    abandoned.abandon()
    live = fixture(8, A, B)
    live.start(A, "bat")
    live.record_innings(1, A, 90, 1)
    return [
        played(2, C, D, "team2"),  # D bats second and wins: D beats C
        played(1, A, B, "team1"),  # A beats B
        played(3, A, C, "tie"),
        played(4, B, D, "team1"),  # B beats D
        played(5, A, D, "no_result"),
        played(6, B, C, "team1"),  # B beats C
        abandoned,
        live,
        fixture(1, A, B, round_number=2, label="Final"),
    ]


def test_four_team_round_robin_matches_hand_computed_table() -> None:
    tables = compute_standings(round_robin(), PointsRules())

    # Hand count: A W1 T1 NR1 = 4 pts; B W2 L1 = 4; C T1 L2 = 1; D W1 L1 NR1 = 3.
    # A and B tie on points; B has more wins.
    assert tables[0] == RoundStandings(
        1,
        "Group A",
        (
            # Runs are summed over the counted innings (not the no-result); no overs were recorded and
            # nobody was bowled out, so overs and net run rate are unknown.
            StandingsRow(
                B, 3, 2, 1, 0, 0, 4, runs_for=420, balls_for=None, runs_against=390, balls_against=None
            ),
            StandingsRow(
                A, 3, 1, 0, 1, 1, 4, runs_for=300, balls_for=None, runs_against=270, balls_against=None
            ),
            StandingsRow(
                D, 3, 1, 1, 0, 1, 3, runs_for=271, balls_for=None, runs_against=300, balls_against=None
            ),
            StandingsRow(
                C, 3, 0, 2, 1, 0, 1, runs_for=420, balls_for=None, runs_against=451, balls_against=None
            ),
        ),
    )


def test_scheduled_round_lists_its_teams_with_nothing_played() -> None:
    tables = compute_standings(round_robin(), PointsRules())

    assert [(t.round_number, t.round) for t in tables] == [(1, "Group A"), (2, "Final")]
    assert tables[1].rows == (StandingsRow(A), StandingsRow(B))


def test_points_follow_the_rules() -> None:
    rules = PointsRules(win=3, tie=2, no_result=1, loss=-1)

    rows = {row.team: row.points for row in compute_standings(round_robin(), rules)[0].rows}

    assert rows == {A: 3 + 2 + 1, B: 3 + 3 - 1, C: 2 - 1 - 1, D: 3 - 1 + 1}


def test_equal_points_and_wins_order_by_name_ignoring_case() -> None:
    zulu, alpha = TeamRef(1, "Zion XI"), TeamRef(2, "agape XI")

    rows = compute_standings([played(1, zulu, alpha, "tie")])[0].rows

    assert [row.team for row in rows] == [alpha, zulu]


def test_round_label_comes_from_the_lowest_match_number() -> None:
    matches = [fixture(2, A, B, label="Group A (day 2)"), fixture(1, C, D, label="Group A")]

    assert compute_standings(matches)[0].round == "Group A"


def test_abandoned_matches_never_count() -> None:
    match = played(1, A, B, "team1")
    match.status = MatchStatus.ABANDONED

    assert compute_standings([match])[0].rows == (StandingsRow(A), StandingsRow(B))


def test_no_matches_no_tables() -> None:
    assert compute_standings([]) == []


TEAMS = [TeamRef(i, f"Team {i}") for i in range(1, 7)]


@st.composite
def results(draw: st.DrawFn) -> list[Match]:
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(TEAMS), st.sampled_from(TEAMS)).filter(lambda p: p[0] != p[1]))
    )
    outcomes = st.sampled_from(["team1", "team2", "tie", "no_result"])
    return [played(number, t1, t2, draw(outcomes)) for number, (t1, t2) in enumerate(pairs, start=1)]


@given(results())
def test_tables_balance(matches: list[Match]) -> None:
    rules = PointsRules()
    rows = [row for table in compute_standings(matches, rules) for row in table.rows]
    outcomes = Counter(m.result.result_type.value for m in matches if m.result)

    for row in rows:
        assert row.played == row.won + row.lost + row.tied + row.no_result
        assert row.points == 2 * row.won + row.tied + row.no_result
    assert sum(row.won for row in rows) == sum(row.lost for row in rows) == outcomes["win"]
    assert sum(row.tied for row in rows) == 2 * outcomes["tie"]
    assert sum(row.played for row in rows) == 2 * len(matches)
    assert [row.points for row in rows] == sorted((row.points for row in rows), reverse=True)
