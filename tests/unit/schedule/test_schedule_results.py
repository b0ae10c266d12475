"""Finishing a match: results must agree with the innings scores."""

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from icct26.domain.errors import DomainError, ErrorCode, ValidationFailed
from icct26.domain.schedule import MarginType, Match, MatchResult, MatchStatus, ResultType, TeamRef

LIONS = TeamRef(1, "CSI Immanuel Lions")
EAGLES = TeamRef(2, "St Peters Eagles")
START = datetime(2026, 1, 24, 4, 0, tzinfo=UTC)
END = datetime(2026, 1, 24, 7, 15, tzinfo=UTC)


def live() -> Match:
    match = Match.schedule("Round 1", 1, 3, LIONS, EAGLES)
    match.start("CSI Immanuel Lions", "bat", "https://cricheroes.in/m/3", START)
    return match


def scored(first: tuple[TeamRef, int, int], second: tuple[TeamRef, int, int]) -> Match:
    match = live()
    match.record_innings(1, *first)
    match.record_innings(2, *second)
    return match


def test_batting_first_win_by_runs_full_workflow() -> None:
    match = Match.schedule("Round 1", 1, 3, LIONS, EAGLES)
    match.start(LIONS, "bat", "https://cricheroes.in/m/3", START)
    match.record_innings(1, "CSI Immanuel Lions", 180, 6)
    match.record_innings(2, "St Peters Eagles", 157, 9)

    match.finish("win", "CSI Immanuel Lions", None, None, END)

    assert match.status is MatchStatus.COMPLETED
    assert match.match_end_time == END
    assert match.result == MatchResult(ResultType.WIN, LIONS, 23, MarginType.RUNS, True)
    assert match.result_view() == {
        "winner": "CSI Immanuel Lions",
        "margin": 23,
        "marginType": "runs",
        "wonByBattingFirst": True,
        "result_type": "win",
    }


def test_chasing_win_by_wickets_full_workflow() -> None:
    match = Match.schedule("Round 1", 1, 3, LIONS, EAGLES)
    match.start(EAGLES, "bowl", None, START)
    match.record_innings(1, LIONS, 150, 8)
    match.record_innings(2, EAGLES, 151, 3)

    match.finish(ResultType.WIN, EAGLES, 7, "wickets", END)

    assert match.status is MatchStatus.COMPLETED
    assert match.result == MatchResult(ResultType.WIN, EAGLES, 7, MarginType.WICKETS, False)
    assert match.result_view() == {
        "winner": "St Peters Eagles",
        "margin": 7,
        "marginType": "wickets",
        "wonByBattingFirst": False,
        "result_type": "win",
    }


def test_wrong_margin_names_the_expected_margin() -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))

    with pytest.raises(DomainError) as caught:
        match.finish("win", LIONS, 25, "runs", END)

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert "Expected margin: 23 runs" in caught.value.message
    assert caught.value.extra["expected_margin"] == 23
    assert caught.value.extra["expected_margin_type"] == "runs"
    assert match.status is MatchStatus.LIVE
    assert match.result is None


def test_wrong_margin_type_is_rejected() -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))

    with pytest.raises(DomainError) as caught:
        match.finish("win", LIONS, None, MarginType.WICKETS)

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert caught.value.extra["expected_margin_type"] == "runs"


def test_one_wicket_margin_is_singular() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 151, 9))

    with pytest.raises(DomainError) as caught:
        match.finish("win", EAGLES, 2, "wickets")

    assert "Expected margin: 1 wicket" in caught.value.message
    assert "1 wickets" not in caught.value.message


def test_winner_with_fewer_runs_is_rejected() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 151, 3))

    with pytest.raises(DomainError) as caught:
        match.finish("win", LIONS, 1, "runs")

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert caught.value.extra["expected_winner"] == "St Peters Eagles"


def test_win_on_level_scores_is_rejected() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 150, 3))

    with pytest.raises(DomainError) as caught:
        match.finish("win", LIONS)

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert caught.value.extra == {"expected_result_type": "tie"}


def test_all_out_chase_past_the_target_is_inconsistent() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 155, 10))

    with pytest.raises(DomainError) as caught:
        match.finish("win", EAGLES)

    assert caught.value.code is ErrorCode.INVALID_RESULT


def test_win_needs_a_winner_from_this_match() -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))

    with pytest.raises(ValidationFailed) as caught:
        match.finish("win", " ")
    assert [(e.field, e.code) for e in caught.value.errors] == [("winner", "required")]

    with pytest.raises(ValidationFailed) as caught:
        match.finish("win", TeamRef(9, "Christ Church Hawks"))
    assert [(e.field, e.code) for e in caught.value.errors] == [("winner", "team_not_in_match")]


def test_tie_on_level_scores() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 150, 9))

    match.finish("tie", match_end_time=END)

    assert match.status is MatchStatus.COMPLETED
    assert match.result == MatchResult(ResultType.TIE)
    assert match.result_view() == {
        "winner": None,
        "margin": None,
        "marginType": None,
        "wonByBattingFirst": None,
        "result_type": "tie",
    }


def test_tie_needs_level_scores() -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 149, 9))

    with pytest.raises(DomainError) as caught:
        match.finish("tie")

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert match.status is MatchStatus.LIVE


@pytest.mark.parametrize(
    ("kind", "winner", "margin", "margin_type"),
    [("tie", LIONS, None, None), ("tie", None, 3, None), ("no_result", None, None, "runs")],
)
def test_tie_and_no_result_have_no_winner_or_margin(
    kind: str, winner: TeamRef | None, margin: int | None, margin_type: str | None
) -> None:
    match = scored((LIONS, 150, 8), (EAGLES, 150, 9))

    with pytest.raises(DomainError) as caught:
        match.finish(kind, winner, margin, margin_type)

    assert caught.value.code is ErrorCode.INVALID_RESULT


def test_no_result_needs_no_innings() -> None:
    match = live()

    match.finish("no_result", "", match_end_time=END)

    assert match.status is MatchStatus.COMPLETED
    assert match.result == MatchResult(ResultType.NO_RESULT)
    view = match.result_view()
    assert view is not None
    assert view["result_type"] == "no_result"


@pytest.mark.parametrize("innings_recorded", [0, 1])
@pytest.mark.parametrize("kind", ["win", "tie"])
def test_finish_before_both_innings_is_the_wrong_step(innings_recorded: int, kind: str) -> None:
    match = live()
    if innings_recorded:
        match.record_innings(1, LIONS, 150, 8)

    with pytest.raises(DomainError) as caught:
        match.finish(kind, LIONS if kind == "win" else None)

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE
    assert match.status is MatchStatus.LIVE


def test_finish_a_scheduled_match_is_the_wrong_step() -> None:
    with pytest.raises(DomainError) as caught:
        Match.schedule("Round 1", 1, 3, LIONS, EAGLES).finish("no_result")

    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


def test_completed_match_cannot_be_finished_again() -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))
    match.finish("win", LIONS)

    with pytest.raises(DomainError) as caught:
        match.finish("tie")

    assert caught.value.code is ErrorCode.MATCH_LOCKED
    assert match.result is not None
    assert match.result.result_type is ResultType.WIN


def test_end_before_start_is_rejected() -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))

    with pytest.raises(ValidationFailed) as caught:
        match.finish("win", LIONS, match_end_time=datetime(2026, 1, 24, 3, 0, tzinfo=UTC))

    assert [(e.field, e.code) for e in caught.value.errors] == [("match_end_time", "before_start")]


@pytest.mark.parametrize(("kind", "margin_type"), [("draw", None), ("win", "overs")])
def test_unknown_vocabulary_is_a_validation_error(kind: str, margin_type: str | None) -> None:
    match = scored((LIONS, 180, 6), (EAGLES, 157, 9))

    with pytest.raises(ValidationFailed) as caught:
        match.finish(kind, LIONS, None, margin_type)

    assert caught.value.errors[0].code == "invalid_choice"


# --- properties --------------------------------------------------------------------------------

runs = st.integers(0, 999)
wickets = st.integers(0, 10)


def hand_expected(first_runs: int, second_runs: int, second_wickets: int) -> tuple[TeamRef, int, str]:
    """The textbook rule, written independently of the implementation."""
    if first_runs > second_runs:
        return LIONS, first_runs - second_runs, "runs"
    return EAGLES, 10 - second_wickets, "wickets"


@st.composite
def decided_scores(draw: st.DrawFn) -> tuple[int, int, int, int]:
    first_runs, first_wickets, second_runs = draw(runs), draw(wickets), draw(runs)
    assume(first_runs != second_runs)
    # A successful chase ends when the target is passed, so the chasers cannot be all out.
    second_wickets = draw(st.integers(0, 9) if second_runs > first_runs else wickets)
    return first_runs, first_wickets, second_runs, second_wickets


@given(decided_scores(), st.booleans(), st.booleans())
def test_derived_margin_is_accepted(
    scores: tuple[int, int, int, int], give_margin: bool, give_type: bool
) -> None:
    first_runs, first_wickets, second_runs, second_wickets = scores
    winner, margin, margin_type = hand_expected(first_runs, second_runs, second_wickets)
    match = scored((LIONS, first_runs, first_wickets), (EAGLES, second_runs, second_wickets))

    match.finish("win", winner, margin if give_margin else None, margin_type if give_type else None)

    assert match.result == MatchResult(
        ResultType.WIN, winner, margin, MarginType(margin_type), winner == LIONS
    )


@given(decided_scores(), st.integers(-5, 1100))
def test_any_other_margin_is_rejected(scores: tuple[int, int, int, int], wrong: int) -> None:
    first_runs, first_wickets, second_runs, second_wickets = scores
    winner, margin, margin_type = hand_expected(first_runs, second_runs, second_wickets)
    assume(wrong != margin)
    match = scored((LIONS, first_runs, first_wickets), (EAGLES, second_runs, second_wickets))

    with pytest.raises(DomainError) as caught:
        match.finish("win", winner, wrong, margin_type)

    assert caught.value.code is ErrorCode.INVALID_RESULT
    assert caught.value.extra["expected_margin"] == margin
    assert match.status is MatchStatus.LIVE


@given(decided_scores())
def test_the_other_margin_type_or_the_loser_is_rejected(scores: tuple[int, int, int, int]) -> None:
    first_runs, first_wickets, second_runs, second_wickets = scores
    winner, margin, margin_type = hand_expected(first_runs, second_runs, second_wickets)
    other_type = "wickets" if margin_type == "runs" else "runs"
    loser = EAGLES if winner == LIONS else LIONS
    match = scored((LIONS, first_runs, first_wickets), (EAGLES, second_runs, second_wickets))

    for attempt in ((winner, margin, other_type), (loser, margin, margin_type)):
        with pytest.raises(DomainError) as caught:
            match.finish("win", *attempt)
        assert caught.value.code is ErrorCode.INVALID_RESULT
