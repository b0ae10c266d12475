"""Knockout places: a later-round match waits for its feeders' winners before it can start."""

from __future__ import annotations

import pytest

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.schedule import Match, MatchStatus, TeamRef
from icct26.domain.schedule.values import Feeder

ALPHA = TeamRef(1, "Alpha XI")
BRAVO = TeamRef(2, "Bravo XI")
CHARLIE = TeamRef(3, "Charlie XI")


def final() -> Match:
    return Match.schedule(
        "Final", 2, 3, None, None, team1_from=Feeder(11, 1), team2_from=Feeder(12, 2), id=13
    )


def test_empty_places_show_the_feeding_match_and_block_the_start() -> None:
    match = final()

    assert (match.place_name(1), match.place_name(2)) == ("Winner of Match 1", "Winner of Match 2")
    with pytest.raises(DomainError) as caught:
        match.start("Winner of Match 1", "bat")
    assert caught.value.code is ErrorCode.INVALID_MATCH_STATE


def test_winners_fill_their_places_then_the_match_can_start() -> None:
    match = final()

    assert match.fill_place(12, BRAVO) is True
    assert match.fill_place(99, CHARLIE) is False
    assert match.fill_place(11, ALPHA) is True
    assert (match.team1, match.team2) == (ALPHA, BRAVO)
    assert match.place_name(1) == "Alpha XI"
    match.start(ALPHA, "bat")
    assert match.status is MatchStatus.LIVE
    # The same winner again changes nothing; another team can no longer come in.
    assert match.fill_place(11, ALPHA) is True
    with pytest.raises(DomainError) as caught:
        match.fill_place(11, CHARLIE)
    assert caught.value.code is ErrorCode.MATCH_LOCKED


def test_a_place_needs_a_team_or_a_feeder() -> None:
    with pytest.raises(DomainError) as caught:
        Match.schedule("Final", 2, 3, ALPHA, None)
    assert [e.field for e in caught.value.errors] == ["team2"]


def test_editing_keeps_a_waiting_place_and_a_new_team_takes_it_over() -> None:
    match = final()
    match.fill_place(11, ALPHA)

    match.edit("Grand Final", 2, 3, ALPHA, None, None)
    assert (match.team1_from, match.team2_from) == (Feeder(11, 1), Feeder(12, 2))

    match.edit("Grand Final", 2, 3, ALPHA, CHARLIE, None)
    assert match.team2 == CHARLIE and match.team2_from is None
    assert match.fill_place(12, BRAVO) is False
