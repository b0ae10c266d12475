"""Fixture generation: turn a request (format, teams, numbering, times) into scheduled matches.

The domain plans (`icct26.domain.schedule.fixtures`); this use case resolves the teams, numbers the
plan after what is already scheduled, refuses a plan whose numbers are taken (MATCH_CONFLICT, nothing
written), and writes every match plus one `schedule.generated` audit entry in one transaction. A dry
run stops before writing. Generated matches are ordinary matches afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode, FieldError, FieldErrors, ValidationFailed
from icct26.domain.schedule import UNDECIDED, Feeder, Match, TeamRef, parse_match_time
from icct26.domain.schedule.fixtures import (
    FixtureFormat,
    FixturePlan,
    Layout,
    Numbering,
    PlannedMatch,
    plan_knockout,
    plan_round_robin,
)
from icct26.domain.schedule.ports import ScheduleUnitOfWork, StoredMatch, TeamCandidate
from icct26.domain.schedule.values import winner_of
from icct26.services.schedule import choose_team

# A T20 with its break takes about three hours; three of them fill a day.
DEFAULT_SLOT_MINUTES = 180
DEFAULT_MATCHES_PER_DAY = 3


@dataclass(frozen=True, slots=True)
class GenerateInput:
    """The generate request as sent: teams by team ID (or name), times as text."""

    format: str
    teams: Sequence[str] | None = None  # None: every confirmed team, in team ID order
    groups: int | None = None
    seed: int | None = None
    round_label: str | None = None
    starts_at: str | None = None
    slot_minutes: int | None = None
    matches_per_day: int | None = None
    round_number_start: int | None = None  # None: one past the highest round number in use
    match_number_start: int | None = None  # None: one past the highest match number in use
    overs_per_innings: int | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class PlannedFixture:
    """A match of the plan as it will be stored; a waiting place shows "Winner of Match N"."""

    round: str
    round_number: int
    match_number: int
    team1: str
    team2: str
    team1_id: str | None
    team2_id: str | None
    scheduled_start_time: datetime | None
    overs_per_innings: int


@dataclass(frozen=True, slots=True)
class GeneratedFixtures:
    format: FixtureFormat
    rounds: int
    byes: list[str]  # team IDs that go straight to round 2
    planned: list[PlannedFixture]
    matches: list[StoredMatch] = field(default_factory=list)  # empty for a dry run


def _given_or(value: int | None, default: int) -> int:
    return default if value is None else value


def _place(team: TeamRef | None, feeder: int | None, codes: dict[int, str]) -> tuple[str, str | None]:
    if team is not None:
        return team.name, codes[team.id]
    return winner_of(feeder) if feeder is not None else UNDECIDED, None


def _planned(match: PlannedMatch, codes: dict[int, str], overs_per_innings: int) -> PlannedFixture:
    team1, team1_id = _place(match.team1, match.team1_from, codes)
    team2, team2_id = _place(match.team2, match.team2_from, codes)
    return PlannedFixture(
        round=match.round,
        round_number=match.round_number,
        match_number=match.match_number,
        team1=team1,
        team2=team2,
        team1_id=team1_id,
        team2_id=team2_id,
        scheduled_start_time=match.starts_at,
        overs_per_innings=overs_per_innings,
    )


class FixtureService:
    """Generates knockout and round-robin fixtures. `on_change` runs after a committed generation
    (read caches of the schedule reload)."""

    def __init__(
        self,
        uow: Callable[[], ScheduleUnitOfWork],
        timezone: tzinfo,
        overs_per_innings: int,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = uow
        self._tz = timezone
        self._overs_per_innings = overs_per_innings
        self._on_change = on_change

    async def generate(self, request: GenerateInput, actor: Actor) -> GeneratedFixtures:
        fixture_format, layout = self._check(request)
        quota = self._overs_per_innings if request.overs_per_innings is None else request.overs_per_innings
        async with self._uow() as uow:
            candidates = await self._teams(uow, request.teams)
            highest_round, highest_match = await uow.matches.highest_numbers()
            numbering = Numbering(
                first_round=_given_or(request.round_number_start, highest_round + 1),
                first_match=_given_or(request.match_number_start, highest_match + 1),
            )
            teams = [candidate.ref for candidate in candidates]
            plan = self._plan(fixture_format, teams, request, numbering, layout)
            await self._ensure_numbers_free(uow, plan)
            codes = {candidate.ref.id: candidate.team_id for candidate in candidates}
            generated = GeneratedFixtures(
                format=plan.format,
                rounds=len(plan.rounds),
                byes=[codes[team.id] for team in plan.byes],
                planned=[_planned(match, codes, quota) for match in plan.matches],
            )
            if request.dry_run:
                return generated
            ids = await self._write(uow, plan, quota)
            uow.audit.record(
                AuditEntry(
                    actor,
                    "schedule.generated",
                    "schedule",
                    f"rounds {plan.rounds[0].number}-{plan.rounds[-1].number}",
                    before=None,
                    after={
                        "format": plan.format.value,
                        "rounds": [round.number for round in plan.rounds],
                        "match_ids": ids,
                        "byes": generated.byes,
                        "seed": request.seed,
                    },
                )
            )
            wanted = set(ids)
            stored = [item for item in await uow.matches.list_matches() if item.id in wanted]
            stored.sort(key=lambda item: item.match.match_number)  # numbers follow the playing order
            for item in stored:  # live streams get every new match
                await uow.events.match_changed(item)
            await uow.commit()
        self._on_change()
        return GeneratedFixtures(
            format=generated.format,
            rounds=generated.rounds,
            byes=generated.byes,
            planned=generated.planned,
            matches=stored,
        )

    # --- steps ---------------------------------------------------------------------------------

    def _check(self, request: GenerateInput) -> tuple[FixtureFormat, Layout | None]:
        """Format, layout and quota errors, reported together."""
        errors = FieldErrors()
        fixture_format: FixtureFormat | None = None
        try:
            fixture_format = FixtureFormat(request.format.strip().lower())
        except ValueError:
            errors.add("format", "invalid_choice", f"format must be one of: {', '.join(FixtureFormat)}")
        if fixture_format is FixtureFormat.KNOCKOUT and request.groups not in (None, 1):
            errors.add("groups", "not_applicable", "groups applies to round_robin fixtures only")
        quota = request.overs_per_innings
        if quota is not None:
            try:
                Match.schedule("Round", 1, 1, TeamRef(-1, "?"), TeamRef(-2, "?"), overs_per_innings=quota)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        layout: Layout | None = None
        if request.starts_at is not None and request.starts_at.strip():
            try:
                starts_at = parse_match_time(request.starts_at, self._tz, "starts_at")
                layout = Layout(
                    starts_at=starts_at,
                    slot_minutes=_given_or(request.slot_minutes, DEFAULT_SLOT_MINUTES),
                    matches_per_day=_given_or(request.matches_per_day, DEFAULT_MATCHES_PER_DAY),
                    timezone=self._tz,
                )
                errors.extend(layout.errors())
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        errors.raise_if_any()
        assert fixture_format is not None
        return fixture_format, layout

    @staticmethod
    async def _teams(uow: ScheduleUnitOfWork, references: Sequence[str] | None) -> list[TeamCandidate]:
        """The teams named (by team ID or name), in the order given; default every confirmed team."""
        if references is None:
            return await uow.teams.confirmed()
        errors = FieldErrors()
        chosen: list[TeamCandidate] = []
        ineligible: list[tuple[str, TeamCandidate]] = []
        for index, reference in enumerate(references):
            name = f"teams[{index}]"
            candidates = await uow.teams.candidates(reference)
            choice = choose_team(name, reference, candidates, errors, set())
            if choice.ineligible is not None:
                ineligible.append((name, choice.ineligible))
            elif choice.team is not None:
                chosen.append(next(c for c in candidates if c.ref.id == choice.team.id))
        errors.raise_if_any()
        if ineligible:
            names = ", ".join(f"{c.ref.name} ({c.team_id}) is {c.status}" for _, c in ineligible)
            raise DomainError(
                ErrorCode.TEAM_NOT_ELIGIBLE,
                f"Only confirmed teams can play: {names}",
                errors=[
                    FieldError(field_name, "team_not_confirmed", f"{c.team_id} is {c.status}, not confirmed")
                    for field_name, c in ineligible
                ],
            )
        return chosen

    @staticmethod
    def _plan(
        fixture_format: FixtureFormat,
        teams: list[TeamRef],
        request: GenerateInput,
        numbering: Numbering,
        layout: Layout | None,
    ) -> FixturePlan:
        if fixture_format is FixtureFormat.KNOCKOUT:
            return plan_knockout(
                teams, seed=request.seed, numbering=numbering, label=request.round_label, layout=layout
            )
        return plan_round_robin(
            teams,
            groups=_given_or(request.groups, 1),
            seed=request.seed,
            numbering=numbering,
            label=request.round_label,
            layout=layout,
        )

    @staticmethod
    async def _ensure_numbers_free(uow: ScheduleUnitOfWork, plan: FixturePlan) -> None:
        # A friendly early answer; the unique constraint still refuses a race (rolling everything back).
        taken = await uow.matches.numbers_taken([(m.round_number, m.match_number) for m in plan.matches])
        if taken:
            first_round, first_match = taken[0]
            more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
            raise DomainError(
                ErrorCode.MATCH_CONFLICT,
                f"Round {first_round} already has a match number {first_match}{more}; "
                "choose another round_number_start or match_number_start",
                extra={"taken": [{"round_number": r, "match_number": m} for r, m in taken]},
            )

    @staticmethod
    async def _write(uow: ScheduleUnitOfWork, plan: FixturePlan, quota: int) -> list[int]:
        """Insert in playing order, so every feeding match has its id before the matches it feeds."""
        ids: dict[int, int] = {}  # match number -> id
        for planned in plan.matches:

            def feeder(number: int | None) -> Feeder | None:
                return Feeder(ids[number], number) if number is not None else None

            match = Match.schedule(
                planned.round,
                planned.round_number,
                planned.match_number,
                planned.team1,
                planned.team2,
                planned.starts_at,
                team1_from=feeder(planned.team1_from),
                team2_from=feeder(planned.team2_from),
                overs_per_innings=quota,
            )
            ids[planned.match_number] = await uow.matches.add(match)
        return list(ids.values())
