"""Pure pieces of the schedule use cases: which team a form value means, the status filter, and
If-None-Match matching."""

from __future__ import annotations

import pytest

from icct26.adapters.http.conditional import _matches, strong_etag
from icct26.domain.errors import FieldErrors, ValidationFailed
from icct26.domain.schedule import MatchStatus, TeamRef
from icct26.domain.schedule.ports import TeamCandidate
from icct26.services.schedule import choose_team, parse_status_filter


def cand(pk: int, name: str, status: str = "confirmed") -> TeamCandidate:
    return TeamCandidate(TeamRef(pk, name), f"ICCT-{pk:03d}", status)


def test_team_id_beats_a_team_named_like_it() -> None:
    errors = FieldErrors()
    choice = choose_team("team1", "icct-002", [cand(1, "ICCT-002"), cand(2, "Zion XI")], errors, set())
    assert choice.team == TeamRef(2, "Zion XI") and not errors


def test_exact_name_beats_case_insensitive_match() -> None:
    errors = FieldErrors()
    candidates = [cand(1, "Zion xi"), cand(2, "Zion XI")]
    assert choose_team("team1", "Zion XI", candidates, errors, set()).team == TeamRef(2, "Zion XI")
    assert choose_team("team1", "zion  xi", candidates, errors, set()).team is None
    assert errors.items[0].code == "ambiguous_team"


def test_confirmed_preferred_then_ineligible_reported() -> None:
    errors = FieldErrors()
    mixed = [cand(1, "Zion XI", "rejected"), cand(2, "Zion XI", "confirmed")]
    assert choose_team("team2", "Zion XI", mixed, errors, set()).team == TeamRef(2, "Zion XI")
    pending = choose_team("team2", "Zion XI", [cand(3, "Zion XI", "pending")], errors, set())
    assert pending.team is None and pending.ineligible == cand(3, "Zion XI", "pending")
    assert not errors


def test_a_team_already_in_the_match_stays_playable() -> None:
    errors = FieldErrors()
    choice = choose_team("team1", "Zion XI", [cand(3, "Zion XI", "rejected")], errors, {3})
    assert choice.team == TeamRef(3, "Zion XI")


def test_unknown_and_blank_references_are_field_errors() -> None:
    errors = FieldErrors()
    choose_team("team1", "  ", [], errors, set())
    choose_team("team2", "Nobody", [], errors, set())
    assert [(e.field, e.code) for e in errors.items] == [("team1", "required"), ("team2", "unknown_team")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("done", MatchStatus.COMPLETED),
        ("Completed", MatchStatus.COMPLETED),
        ("live", MatchStatus.LIVE),
        (" scheduled ", MatchStatus.SCHEDULED),
        ("abandoned", MatchStatus.ABANDONED),
    ],
)
def test_status_filter(raw: str | None, expected: MatchStatus | None) -> None:
    assert parse_status_filter(raw) is expected


def test_unknown_status_filter_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_status_filter("finished")
    assert caught.value.errors[0].field == "status"


def test_if_none_match() -> None:
    tag = strong_etag(b"{}")
    assert tag != strong_etag(b"[]")
    assert _matches(tag, tag) and _matches(f'"x", {tag}', tag) and _matches(f"W/{tag}", tag)
    assert _matches("*", tag)
    assert not _matches(None, tag) and not _matches('"x"', tag) and not _matches(tag[:-2] + '"', tag)
