"""Fixture planning: knockout brackets with byes and round robins, their numbering and their layout."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import ValidationFailed
from icct26.domain.schedule import TeamRef
from icct26.domain.schedule.fixtures import (
    FixturePlan,
    Layout,
    Numbering,
    bracket_order,
    circle_rounds,
    plan_knockout,
    plan_round_robin,
    split_groups,
)

IST = ZoneInfo("Asia/Kolkata")


def teams(count: int) -> list[TeamRef]:
    return [TeamRef(i, f"Team {i:02d}") for i in range(1, count + 1)]


def layouts() -> st.SearchStrategy[Layout | None]:
    return st.none() | st.builds(
        Layout,
        starts_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
            lambda d: d.replace(tzinfo=IST)
        ),
        slot_minutes=st.integers(30, 240),
        matches_per_day=st.integers(1, 6),
        timezone=st.just(IST),
    ).filter(lambda layout: layout.slot_minutes * layout.matches_per_day <= 24 * 60)


def by_number(plan: FixturePlan) -> dict[int, object]:
    return {match.match_number: match for match in plan.matches}


# --- knockout ------------------------------------------------------------------------------------


def test_thirteen_teams_make_four_rounds_with_three_byes_for_the_top_seeds() -> None:
    field = teams(13)

    plan = plan_knockout(field)

    assert [r.label for r in plan.rounds] == ["Round of 16", "Quarter-finals", "Semi-finals", "Final"]
    assert [r.number for r in plan.rounds] == [1, 2, 3, 4]
    assert plan.byes == tuple(field[:3])
    assert Counter(m.round_number for m in plan.matches) == {1: 5, 2: 4, 3: 2, 4: 1}
    assert [m.match_number for m in plan.matches] == list(range(1, 13))
    # Seed 1 waits in the first quarter-final for the winner of 8 v 9 (match 1).
    quarter = plan.matches[5]
    assert (quarter.team1, quarter.team2, quarter.team2_from) == (field[0], None, 1)
    assert (plan.matches[0].team1, plan.matches[0].team2) == (field[7], field[8])
    final = plan.matches[-1]
    assert (final.round, final.team1, final.team2, final.team1_from, final.team2_from) == (
        "Final",
        None,
        None,
        10,
        11,
    )


def test_bracket_order_keeps_top_seeds_apart() -> None:
    assert bracket_order(2) == [1, 2]
    assert bracket_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]


def test_two_teams_play_only_a_final() -> None:
    plan = plan_knockout(teams(2), numbering=Numbering(first_round=3, first_match=41))

    (final,) = plan.matches
    assert (final.round_number, final.match_number, final.round) == (3, 41, "Final")
    assert plan.byes == ()


def test_a_seed_gives_the_same_draw_every_time_and_another_seed_another() -> None:
    field = teams(16)

    first = plan_knockout(field, seed=7)

    assert first == plan_knockout(field, seed=7)
    assert first != plan_knockout(field, seed=8)
    assert first != plan_knockout(field)


def test_custom_labels_prefix_the_stage() -> None:
    plan = plan_knockout(teams(4), label="Cup")

    assert [r.label for r in plan.rounds] == ["Cup Semi-finals", "Cup Final"]


@given(st.integers(2, 64), st.none() | st.integers(0, 2**32), layouts())
def test_knockout_properties(count: int, seed: int | None, layout: Layout | None) -> None:
    field = teams(count)

    plan = plan_knockout(field, seed=seed, layout=layout)

    numbers = by_number(plan)
    rounds = math.ceil(math.log2(count))
    assert len(plan.rounds) == rounds
    assert {m.round_number for m in plan.matches} == set(range(1, rounds + 1))
    assert len(plan.matches) == count - 1  # every match knocks one team out
    assert len(plan.byes) == 2**rounds - count
    # Byes only in round 1: every bye team's first match is in round 2.
    first_round = {team for m in plan.matches if m.round_number == 1 for team in m.teams}
    later_entries = [team for m in plan.matches if m.round_number > 1 for team in m.teams]
    assert all(m.round_number == 2 for m in plan.matches for t in m.teams if t in plan.byes)
    assert set(later_entries) == set(plan.byes)
    # Every team enters exactly once: in round 1 or, with a bye, straight into round 2.
    assert Counter([*first_round, *later_entries]) == Counter(field)
    # Each match is fed by matches of the previous round, and feeds exactly one later match (but the final).
    fed = Counter()
    for match in plan.matches:
        for feeder in (match.team1_from, match.team2_from):
            if feeder is not None:
                assert numbers[feeder].round_number == match.round_number - 1
                fed[feeder] += 1
        assert len(match.teams) + (match.team1_from is not None) + (match.team2_from is not None) == 2
    assert set(fed.values()) <= {1}
    assert set(numbers) - set(fed) == {plan.matches[-1].match_number}
    if layout is not None:
        starts = [m.starts_at for m in plan.matches]
        assert len(set(starts)) == len(starts)  # one match per slot: nobody plays twice at a time
        for match in plan.matches:
            for feeder in (match.team1_from, match.team2_from):
                if feeder is not None:
                    assert numbers[feeder].starts_at < match.starts_at


# --- round robin ---------------------------------------------------------------------------------


def test_eight_teams_in_two_groups_play_twelve_matches() -> None:
    field = teams(8)

    plan = plan_round_robin(field, groups=2, numbering=Numbering(first_round=2, first_match=10))

    assert [(r.number, r.label) for r in plan.rounds] == [(2, "Group A"), (3, "Group B")]
    assert len(plan.matches) == 12
    assert [m.match_number for m in plan.matches] == list(range(10, 22))
    group_a = {t for m in plan.matches if m.round_number == 2 for t in m.teams}
    assert group_a == {field[0], field[2], field[4], field[6]}


def test_groups_are_dealt_in_seed_order_and_differ_by_at_most_one() -> None:
    assert [[t.id for t in g] for g in split_groups(teams(7), 3)] == [[1, 4, 7], [2, 5], [3, 6]]


def test_too_many_groups_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan_round_robin(teams(5), groups=3)
    assert [e.field for e in caught.value.errors] == ["groups"]


@given(st.integers(2, 24), st.integers(1, 4), st.none() | st.integers(0, 1000), layouts())
def test_round_robin_properties(count: int, groups: int, seed: int | None, layout: Layout | None) -> None:
    field = teams(count)
    if groups > count // 2:
        with pytest.raises(ValidationFailed):
            plan_round_robin(field, groups=groups)
        return

    plan = plan_round_robin(field, groups=groups, seed=seed, layout=layout)

    members: dict[int, set[TeamRef]] = {}
    for match in plan.matches:
        members.setdefault(match.round_number, set()).update(match.teams)
    sizes = sorted(len(group) for group in members.values())
    assert len(sizes) == groups and sizes[-1] - sizes[0] <= 1
    assert sorted((t for group in members.values() for t in group), key=lambda t: t.id) == field
    # Every pair of a group meets exactly once; nobody meets a team of another group.
    pairs = Counter(frozenset(m.teams) for m in plan.matches)
    expected = {frozenset(p) for group in members.values() for p in combinations(group, 2)}
    assert set(pairs) == expected and set(pairs.values()) == {1}
    # Each team plays exactly its group size - 1 matches.
    played = Counter(t for m in plan.matches for t in m.teams)
    for group in members.values():
        assert all(played[t] == len(group) - 1 for t in group)
    if layout is not None:
        starts = [m.starts_at for m in plan.matches]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)


@given(st.integers(2, 20))
def test_circle_rounds_never_play_a_team_twice_in_one_round(count: int) -> None:
    for pairs in circle_rounds(teams(count)):
        playing = [t for pair in pairs for t in pair]
        assert len(playing) == len(set(playing))


# --- layout and limits ---------------------------------------------------------------------------


def test_layout_fills_each_day_then_moves_to_the_next_at_the_same_wall_clock_time() -> None:
    layout = Layout(datetime(2026, 1, 24, 9, 30, tzinfo=IST), 150, 3, IST)

    plan = plan_round_robin(teams(4), layout=layout)

    assert [m.starts_at.isoformat() for m in plan.matches] == [
        "2026-01-24T09:30:00+05:30",
        "2026-01-24T12:00:00+05:30",
        "2026-01-24T14:30:00+05:30",
        "2026-01-25T09:30:00+05:30",
        "2026-01-25T12:00:00+05:30",
        "2026-01-25T14:30:00+05:30",
    ]


def test_a_start_in_another_offset_is_laid_out_on_the_tournament_clock() -> None:
    utc_start = datetime.fromisoformat("2026-01-24T04:00:00+00:00")  # 09:30 in India

    plan = plan_knockout(teams(3), layout=Layout(utc_start, 60, 1, IST))

    assert [m.starts_at.isoformat() for m in plan.matches] == [
        "2026-01-24T09:30:00+05:30",
        "2026-01-25T09:30:00+05:30",
    ]


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"slot_minutes": 0, "matches_per_day": 2}, ["slot_minutes"]),
        ({"slot_minutes": 600, "matches_per_day": 3}, ["matches_per_day"]),
        ({"slot_minutes": 60, "matches_per_day": 0}, ["matches_per_day"]),
    ],
)
def test_impossible_layouts_are_field_errors(kwargs: dict[str, int], fields: list[str]) -> None:
    layout = Layout(starts_at=datetime(2026, 1, 24, 9, tzinfo=IST), timezone=IST, **kwargs)
    with pytest.raises(ValidationFailed) as caught:
        plan_knockout(teams(4), layout=layout)
    assert [e.field for e in caught.value.errors] == fields


def test_too_few_teams_and_numbers_past_the_limits_are_field_errors() -> None:
    with pytest.raises(ValidationFailed) as few:
        plan_knockout(teams(1))
    assert [e.field for e in few.value.errors] == ["teams"]
    with pytest.raises(ValidationFailed) as late:
        plan_knockout(teams(8), numbering=Numbering(first_round=98, first_match=995))
    assert {e.field for e in late.value.errors} == {"round_number_start", "match_number_start"}
