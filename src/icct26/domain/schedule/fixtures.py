"""Fixture generation: plan a knockout bracket or a round robin, number it and lay it out in time.

Pure planning — nothing is stored here. A plan lists its matches in playing order; a knockout match
of a later round names the earlier matches whose winners take its places (by match number, since the
plan has no ids yet), and a team with a bye waits in its round-2 match from the start.

Knockout: the bracket has 2^k places for the smallest k with 2^k >= n teams, so ⌈log2 n⌉ rounds.
Seeds follow the standard bracket order (1 v 16, 8 v 9, ... — the top seeds meet last) and the
2^k - n missing seeds are byes for the top seeds; because every round-1 pair holds seed s and
2^k + 1 - s, no pair is two byes, so byes happen in round 1 only.

Round robin: teams are dealt into `groups` of near-equal size (seed 1 to group A, seed 2 to B, ...);
every pair in a group meets once, in rounds built with the circle method (nobody plays twice in one
round). Each group is its own round number, so each gets its own standings table.

Layout: match i of the plan starts on day i // matches_per_day, in slot i % matches_per_day of that
day, every `slot_minutes` from the first start's wall-clock time in the tournament time zone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from string import ascii_uppercase

from icct26.domain.errors import FieldError, FieldErrors, ValidationFailed
from icct26.domain.schedule.match import MAX_MATCH_NUMBER, MAX_ROUND_LABEL, MAX_ROUND_NUMBER
from icct26.domain.schedule.values import TeamRef

MINUTES_PER_DAY = 24 * 60
# Leaves room for " Quarter-finals" / " Group Z" after a custom label within MAX_ROUND_LABEL.
MAX_LABEL_PREFIX = MAX_ROUND_LABEL - 20
MAX_GROUPS = len(ascii_uppercase)


class FixtureFormat(StrEnum):
    KNOCKOUT = "knockout"
    ROUND_ROBIN = "round_robin"


@dataclass(frozen=True, slots=True)
class PlannedRound:
    number: int
    label: str


@dataclass(frozen=True, slots=True)
class PlannedMatch:
    """One match of a plan. A place holds a team or the match number whose winner takes it."""

    round_number: int
    round: str
    match_number: int
    team1: TeamRef | None
    team2: TeamRef | None
    team1_from: int | None = None
    team2_from: int | None = None
    starts_at: datetime | None = None

    @property
    def teams(self) -> tuple[TeamRef, ...]:
        return tuple(team for team in (self.team1, self.team2) if team is not None)


@dataclass(frozen=True, slots=True)
class FixturePlan:
    format: FixtureFormat
    rounds: tuple[PlannedRound, ...]
    matches: tuple[PlannedMatch, ...]  # playing order; feeders come before the matches they feed
    byes: tuple[TeamRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Numbering:
    """Where the plan's numbers start: usually one past the highest round and match numbers in use."""

    first_round: int = 1
    first_match: int = 1


@dataclass(frozen=True, slots=True)
class Layout:
    """Start times: the first match at `starts_at`, then every `slot_minutes`, `matches_per_day` a day."""

    starts_at: datetime
    slot_minutes: int
    matches_per_day: int
    timezone: tzinfo

    def errors(self) -> list[FieldError]:
        found = FieldErrors()
        if not 1 <= self.matches_per_day <= MINUTES_PER_DAY:
            found.add("matches_per_day", "out_of_range", "matches_per_day must be at least 1")
        if not 1 <= self.slot_minutes <= MINUTES_PER_DAY:
            found.add("slot_minutes", "out_of_range", f"slot_minutes must be between 1 and {MINUTES_PER_DAY}")
        elif self.slot_minutes * self.matches_per_day > MINUTES_PER_DAY:
            found.add(
                "matches_per_day",
                "too_many_per_day",
                f"{self.matches_per_day} slots of {self.slot_minutes} minutes do not fit in one day",
            )
        return found.items

    def start_of(self, index: int) -> datetime:
        """The start of the `index`-th match (0-based), keeping the wall-clock time across days."""
        day, slot = divmod(index, self.matches_per_day)
        local = self.starts_at.astimezone(self.timezone).replace(tzinfo=None)
        wall = local + timedelta(days=day, minutes=slot * self.slot_minutes)
        return wall.replace(tzinfo=self.timezone)


# --- knockout ------------------------------------------------------------------------------------


def bracket_size(team_count: int) -> int:
    """The smallest power of two that holds every team."""
    size = 1
    while size < team_count:
        size *= 2
    return size


def bracket_order(size: int) -> list[int]:
    """Seeds (1-based) in bracket position order, so that seed s meets seed size + 1 - s in round 1
    and the top seeds can only meet in the last rounds: 8 -> [1, 8, 4, 5, 2, 7, 3, 6]."""
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [seed for top in order for seed in (top, mirror - top)]
    return order


def stage_name(teams_in_round: int) -> str:
    names = {2: "Final", 4: "Semi-finals", 8: "Quarter-finals"}
    return names.get(teams_in_round, f"Round of {teams_in_round}")


def _label(prefix: str | None, name: str) -> str:
    return f"{prefix} {name}" if prefix else name


def _seeded(teams: Sequence[TeamRef], seed: int | None) -> list[TeamRef]:
    ordered = list(teams)
    if seed is not None:
        random.Random(seed).shuffle(ordered)  # noqa: S311 - a reproducible draw, not a secret
    return ordered


# A place in the next round: a team that is already through, or the number of the match it waits for.
_Entry = TeamRef | int


def plan_knockout(
    teams: Sequence[TeamRef],
    *,
    seed: int | None = None,
    numbering: Numbering = Numbering(),
    label: str | None = None,
    layout: Layout | None = None,
) -> FixturePlan:
    """A single-elimination bracket over `teams` in seeded order (or shuffled by `seed`)."""
    _check_common(teams, numbering, label, layout)
    seeded = _seeded(teams, seed)
    size = bracket_size(len(seeded))
    rounds = size.bit_length() - 1
    last_round = numbering.first_round + rounds - 1
    last_match = numbering.first_match + len(seeded) - 2  # a knockout of n teams has n - 1 matches
    _check_range(last_round, last_match, numbering)

    by_seed = {number: team for number, team in enumerate(seeded, start=1)}
    positions: list[TeamRef | None] = [by_seed.get(seed_no) for seed_no in bracket_order(size)]
    matches: list[PlannedMatch] = []
    planned_rounds: list[PlannedRound] = []
    next_number = numbering.first_match
    byes: list[TeamRef] = []

    # Round 1 pairs bracket positions; a pair with one team is a bye that sends it straight through.
    entries: list[_Entry] = []
    for index in range(rounds):
        round_number = numbering.first_round + index
        round_label = _label(label, stage_name(size >> index))
        planned_rounds.append(PlannedRound(round_number, round_label))
        pairs: list[tuple[_Entry | None, _Entry | None]]
        if index == 0:
            pairs = [(positions[i], positions[i + 1]) for i in range(0, size, 2)]
        else:
            pairs = [(entries[i], entries[i + 1]) for i in range(0, len(entries), 2)]
        entries = []
        for first, second in pairs:
            if first is None or second is None:
                through = first if second is None else second
                assert isinstance(through, TeamRef)  # standard seeding never pairs two byes
                byes.append(through)
                entries.append(through)
                continue
            matches.append(
                PlannedMatch(
                    round_number=round_number,
                    round=round_label,
                    match_number=next_number,
                    team1=first if isinstance(first, TeamRef) else None,
                    team2=second if isinstance(second, TeamRef) else None,
                    team1_from=first if isinstance(first, int) else None,
                    team2_from=second if isinstance(second, int) else None,
                )
            )
            entries.append(next_number)
            next_number += 1
    plan = FixturePlan(FixtureFormat.KNOCKOUT, tuple(planned_rounds), tuple(matches), tuple(byes))
    return _laid_out(plan, layout)


# --- round robin ---------------------------------------------------------------------------------


def split_groups(teams: Sequence[TeamRef], groups: int) -> list[list[TeamRef]]:
    """Deal teams into groups like cards (seed 1 to A, 2 to B, ...): sizes differ by at most one."""
    return [list(teams[index::groups]) for index in range(groups)]


def circle_rounds(teams: Sequence[TeamRef]) -> list[list[tuple[TeamRef, TeamRef]]]:
    """Every pair once, in rounds where nobody plays twice (the circle method; an odd count gives
    each team one round off)."""
    ring: list[TeamRef | None] = list(teams)
    if len(ring) % 2:
        ring.append(None)
    count = len(ring)
    rounds: list[list[tuple[TeamRef, TeamRef]]] = []
    for _ in range(count - 1):
        pairs = [(ring[i], ring[count - 1 - i]) for i in range(count // 2)]
        rounds.append([(a, b) for a, b in pairs if a is not None and b is not None])
        ring = [ring[0], ring[-1], *ring[1:-1]]  # keep the first, turn the rest one step
    return rounds


def plan_round_robin(
    teams: Sequence[TeamRef],
    *,
    groups: int = 1,
    seed: int | None = None,
    numbering: Numbering = Numbering(),
    label: str | None = None,
    layout: Layout | None = None,
) -> FixturePlan:
    """Every pair of each group once; the groups' rounds are interleaved so all groups progress."""
    _check_common(teams, numbering, label, layout)
    if not 1 <= groups <= min(MAX_GROUPS, len(teams) // 2):
        most = max(1, min(MAX_GROUPS, len(teams) // 2))
        raise ValidationFailed(
            [
                FieldError(
                    "groups",
                    "out_of_range",
                    f"groups must be between 1 and {most}: every group needs at least two teams",
                )
            ]
        )
    dealt = split_groups(_seeded(teams, seed), groups)
    total = sum(len(group) * (len(group) - 1) // 2 for group in dealt)
    _check_range(numbering.first_round + groups - 1, numbering.first_match + total - 1, numbering)

    planned_rounds = [
        PlannedRound(
            numbering.first_round + index,
            (label or "League") if groups == 1 else _label(label, f"Group {ascii_uppercase[index]}"),
        )
        for index in range(groups)
    ]
    schedules = [circle_rounds(group) for group in dealt]
    matches: list[PlannedMatch] = []
    for turn in range(max(len(rounds) for rounds in schedules)):
        for planned, rounds in zip(planned_rounds, schedules, strict=True):
            for first, second in rounds[turn] if turn < len(rounds) else []:
                matches.append(
                    PlannedMatch(
                        round_number=planned.number,
                        round=planned.label,
                        match_number=numbering.first_match + len(matches),
                        team1=first,
                        team2=second,
                    )
                )
    plan = FixturePlan(FixtureFormat.ROUND_ROBIN, tuple(planned_rounds), tuple(matches))
    return _laid_out(plan, layout)


# --- shared checks and layout --------------------------------------------------------------------


def _check_common(
    teams: Sequence[TeamRef], numbering: Numbering, label: str | None, layout: Layout | None
) -> None:
    errors = FieldErrors()
    if len(teams) < 2:
        errors.add("teams", "too_few", f"At least 2 teams are needed for fixtures, got {len(teams)}")
    if len({team.id for team in teams}) != len(teams):
        errors.add("teams", "duplicate_team", "teams lists a team more than once")
    if label is not None and not label.strip():
        errors.add("round_label", "required", "round_label must not be empty")
    elif label is not None and len(label.strip()) > MAX_LABEL_PREFIX:
        errors.add("round_label", "too_long", f"round_label must be at most {MAX_LABEL_PREFIX} characters")
    for field, value, most in (
        ("round_number_start", numbering.first_round, MAX_ROUND_NUMBER),
        ("match_number_start", numbering.first_match, MAX_MATCH_NUMBER),
    ):
        if not 1 <= value <= most:
            errors.add(field, "out_of_range", f"{field} must be between 1 and {most}")
    if layout is not None:
        errors.extend(layout.errors())
    errors.raise_if_any()


def _check_range(last_round: int, last_match: int, numbering: Numbering) -> None:
    errors = FieldErrors()
    if last_round > MAX_ROUND_NUMBER:
        errors.add(
            "round_number_start",
            "out_of_range",
            f"The plan needs rounds {numbering.first_round}-{last_round}; round numbers end at "
            f"{MAX_ROUND_NUMBER}",
        )
    if last_match > MAX_MATCH_NUMBER:
        errors.add(
            "match_number_start",
            "out_of_range",
            f"The plan needs match numbers {numbering.first_match}-{last_match}; match numbers end at "
            f"{MAX_MATCH_NUMBER}",
        )
    errors.raise_if_any()


def _laid_out(plan: FixturePlan, layout: Layout | None) -> FixturePlan:
    if layout is None:
        return plan
    timed = tuple(replace(match, starts_at=layout.start_of(i)) for i, match in enumerate(plan.matches))
    return replace(plan, matches=timed)
