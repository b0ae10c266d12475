"""Result rules: the margin a pair of innings implies, and whether a declared result agrees with it.

Kept apart from the match state machine so the cricket arithmetic can be tested (and property-tested)
on its own. Callers have already checked the match state and that the winner plays in the match.
"""

from __future__ import annotations

from dataclasses import dataclass

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.schedule.values import InningsScore, MarginType, MatchResult, ResultType, TeamRef

MAX_WICKETS = 10


@dataclass(frozen=True, slots=True)
class ExpectedWin:
    """What the scores say: who won, by how much, and whether they batted first."""

    winner: TeamRef
    margin: int
    margin_type: MarginType
    batting_first: bool


def margin_text(margin: int, margin_type: MarginType) -> str:
    unit = "run" if margin_type is MarginType.RUNS else "wicket"
    return f"{margin} {unit}{'' if margin == 1 else 's'}"


def expected_win(first: InningsScore, second: InningsScore) -> ExpectedWin | None:
    """The win the scores imply, or None when the runs are level (a tie).

    Batting first wins by the run difference; chasing wins by the wickets still standing.
    """
    if first.runs > second.runs:
        return ExpectedWin(first.team, first.runs - second.runs, MarginType.RUNS, True)
    if second.runs > first.runs:
        if second.wickets >= MAX_WICKETS:
            # The chase ends the moment the target is passed, so an all-out side cannot have passed it.
            raise DomainError(
                ErrorCode.INVALID_RESULT,
                f"The scores are inconsistent: {second.team.name} passed the target "
                f"but lost all {MAX_WICKETS} wickets",
            )
        return ExpectedWin(second.team, MAX_WICKETS - second.wickets, MarginType.WICKETS, False)
    return None


def decide_win(
    first: InningsScore,
    second: InningsScore,
    winner: TeamRef,
    margin: int | None,
    margin_type: MarginType | None,
) -> MatchResult:
    """A win result that agrees with the scores; a missing margin or margin type is derived."""
    expected = expected_win(first, second)
    if expected is None:
        raise DomainError(
            ErrorCode.INVALID_RESULT,
            f"The scores are level ({first.runs} each): record a tie, not a win",
            extra={"expected_result_type": ResultType.TIE.value},
        )
    extra: dict[str, object] = {
        "expected_winner": expected.winner.name,
        "expected_margin": expected.margin,
        "expected_margin_type": expected.margin_type.value,
    }
    expected_text = margin_text(expected.margin, expected.margin_type)
    if not expected.winner.same_as(winner):
        raise DomainError(
            ErrorCode.INVALID_RESULT,
            f"{winner.name} scored fewer runs than {expected.winner.name}. "
            f"Expected winner: {expected.winner.name} by {expected_text}",
            extra=extra,
        )
    wrong_type = margin_type is not None and margin_type is not expected.margin_type
    if wrong_type or (margin is not None and margin != expected.margin):
        raise DomainError(
            ErrorCode.INVALID_RESULT,
            f"The margin does not match the scores. Expected margin: {expected_text}",
            extra=extra,
        )
    return MatchResult(
        ResultType.WIN, expected.winner, expected.margin, expected.margin_type, expected.batting_first
    )


def decide_tie(first: InningsScore, second: InningsScore) -> MatchResult:
    """A tie, which the scores must show as level."""
    if first.runs != second.runs:
        raise DomainError(
            ErrorCode.INVALID_RESULT,
            f"A tie needs level scores, but {first.team.name} made {first.runs} "
            f"and {second.team.name} made {second.runs}",
        )
    return MatchResult(ResultType.TIE)
