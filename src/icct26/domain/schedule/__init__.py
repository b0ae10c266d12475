"""Match schedule, results and standings: pure rules, no framework imports."""

from icct26.domain.schedule.match import (
    MAX_MATCH_NUMBER,
    MAX_ROUND_LABEL,
    MAX_ROUND_NUMBER,
    MAX_RUNS,
    UNDECIDED,
    Match,
)
from icct26.domain.schedule.overs import (
    DEFAULT_OVERS_PER_INNINGS,
    MAX_OVERS_PER_INNINGS,
    format_overs,
    parse_overs,
)
from icct26.domain.schedule.result import MAX_WICKETS, ExpectedWin, expected_win
from icct26.domain.schedule.standings import PointsRules, RoundStandings, StandingsRow, compute_standings
from icct26.domain.schedule.timeutil import format_match_time, parse_match_time, parse_optional_match_time
from icct26.domain.schedule.values import (
    Feeder,
    InningsScore,
    MarginType,
    MatchResult,
    MatchStatus,
    ResultType,
    TeamRef,
    TossChoice,
)

__all__ = [
    "DEFAULT_OVERS_PER_INNINGS",
    "MAX_MATCH_NUMBER",
    "MAX_OVERS_PER_INNINGS",
    "MAX_ROUND_LABEL",
    "MAX_ROUND_NUMBER",
    "MAX_RUNS",
    "MAX_WICKETS",
    "UNDECIDED",
    "ExpectedWin",
    "Feeder",
    "InningsScore",
    "MarginType",
    "Match",
    "MatchResult",
    "MatchStatus",
    "PointsRules",
    "ResultType",
    "RoundStandings",
    "StandingsRow",
    "TeamRef",
    "TossChoice",
    "compute_standings",
    "expected_win",
    "format_match_time",
    "format_overs",
    "parse_match_time",
    "parse_optional_match_time",
    "parse_overs",
]
