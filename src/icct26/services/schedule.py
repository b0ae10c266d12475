"""Schedule use cases: fixtures, the match-day steps, results and standings.

Each mutation runs in one unit of work: lock the match row, let the `Match` aggregate decide, write it
back, and record one audit entry in the same transaction. Inputs arrive as the frontend sends them
(teams by name or team ID, times as text); this module turns them into domain values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import Enum
from typing import Any, Literal

from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode, FieldError, FieldErrors, NotFound, ValidationFailed
from icct26.domain.registration import TeamStatus, team_name_key
from icct26.domain.schedule import (
    DEFAULT_OVERS_PER_INNINGS,
    Match,
    MatchStatus,
    PointsRules,
    ResultType,
    TeamRef,
    compute_standings,
    format_overs,
    parse_optional_match_time,
)
from icct26.domain.schedule.ports import ScheduleUnitOfWork, StoredMatch, TeamCandidate


class Keep(Enum):
    """Marks an omitted field of an edit: the stored value stays."""

    KEEP = "keep"


KEEP = Keep.KEEP

# IDs are bigint; anything outside cannot exist (and must not reach the driver as an overflow).
MAX_ID = 2**63 - 1
# The frontend's public page historically received `done` for finished matches.
STATUS_ALIASES = {"done": MatchStatus.COMPLETED}


@dataclass(frozen=True, slots=True)
class FixtureInput:
    """Create/edit body: teams by name or team ID; time as `YYYY-MM-DDTHH:MM` (local) or ISO with zone."""

    round: str
    round_number: int
    match_number: int
    team1: str
    team2: str
    scheduled_start_time: str | Keep | None = None
    overs_per_innings: int | None = None  # None: the configured default (create) or unchanged (edit)


@dataclass(frozen=True, slots=True)
class StartInput:
    toss_winner: str
    toss_choice: str
    match_score_url: str | None = None
    actual_start_time: str | None = None


@dataclass(frozen=True, slots=True)
class InningsInput:
    batting_team: str
    runs: int
    wickets: int
    overs: str | None = None  # cricket notation, "19.4"


@dataclass(frozen=True, slots=True)
class FinishInput:
    winner: str | None = None
    margin: int | None = None
    margin_type: str | None = None
    match_end_time: str | None = None
    result_type: str | None = None


@dataclass(frozen=True, slots=True)
class StandingsLine:
    team_id: str
    team_name: str
    played: int
    won: int
    lost: int
    tied: int
    no_result: int
    points: int
    runs_for: int
    overs_for: str | None
    runs_against: int
    overs_against: str | None
    nrr: float | None


@dataclass(frozen=True, slots=True)
class RoundTable:
    round_number: int
    round: str
    rows: list[StandingsLine]


def parse_status_filter(raw: str | None) -> MatchStatus | None:
    """The `status` query filter; `done` means completed. Unknown values are a field error."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().lower()
    if text in STATUS_ALIASES:
        return STATUS_ALIASES[text]
    try:
        return MatchStatus(text)
    except ValueError:
        choices = ", ".join([*MatchStatus, *STATUS_ALIASES])
        raise ValidationFailed(
            [FieldError("status", "invalid_choice", f"status must be one of: {choices}")]
        ) from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _name(team: TeamRef | None) -> str | None:
    return team.name if team is not None else None


def _overs(balls: int | None) -> str | None:
    return format_overs(balls) if balls is not None else None


def audit_summary(match: Match) -> dict[str, Any]:
    """What an audit row keeps of a match before and after a change (JSON-safe)."""
    return {
        "round": match.round,
        "round_number": match.round_number,
        "match_number": match.match_number,
        "team1": match.place_name(1),
        "team2": match.place_name(2),
        "status": match.status.value,
        "scheduled_start_time": _iso(match.scheduled_start_time),
        "toss_winner": _name(match.toss_winner),
        "toss_choice": match.toss_choice.value if match.toss_choice else None,
        "match_score_url": match.match_score_url,
        "actual_start_time": _iso(match.actual_start_time),
        "match_end_time": _iso(match.match_end_time),
        "team1_runs": match.team1_runs,
        "team1_wickets": match.team1_wickets,
        "team2_runs": match.team2_runs,
        "team2_wickets": match.team2_wickets,
        "team1_overs": _overs(match.team1_balls),
        "team2_overs": _overs(match.team2_balls),
        "overs_per_innings": match.overs_per_innings,
        "first_innings_team": _name(match.first_innings_team),
        "result": match.result_view(),
    }


def _label(candidate: TeamCandidate) -> str:
    return f"{candidate.ref.name} ({candidate.team_id})"


def _matching_levels(reference: str, candidates: Sequence[TeamCandidate]) -> list[list[TeamCandidate]]:
    """Candidates grouped by how well they match: team ID, then exact name, then normalised name."""
    text = reference.strip()
    key = team_name_key(text)
    by_id = [c for c in candidates if c.team_id.upper() == text.upper()]
    exact = [c for c in candidates if c.ref.name == text]
    folded = [c for c in candidates if team_name_key(c.ref.name) == key]
    return [level for level in (by_id, exact, folded) if level]


@dataclass(frozen=True, slots=True)
class _Choice:
    team: TeamRef | None = None
    ineligible: TeamCandidate | None = None
    waiting: bool = False  # an empty knockout place that stays empty


def _places(fixture: FixtureInput) -> tuple[tuple[Literal[1, 2], str, str], ...]:
    return ((1, "team1", fixture.team1), (2, "team2", fixture.team2))


def _names_waiting_place(match: Match, place: Literal[1, 2], reference: str) -> bool:
    """Whether a form value is the name an empty knockout place shows (the edit form sends it back)."""
    empty = (match.team1 if place == 1 else match.team2) is None
    return empty and team_name_key(reference) == team_name_key(match.place_name(place))


def choose_team(
    field: str, reference: str, candidates: Sequence[TeamCandidate], errors: FieldErrors, already: set[int]
) -> _Choice:
    """The team a form value means. Confirmed teams (or teams already in this match) are preferred;
    unknown or ambiguous references become field errors, a team that cannot play is reported back."""
    if not reference.strip():
        errors.add(field, "required", f"{field} is required")
        return _Choice()
    levels = _matching_levels(reference, candidates)
    if not levels:
        errors.add(field, "unknown_team", f"{field}: no registered team is named or has the ID {reference!r}")
        return _Choice()
    for level in levels:
        playable = [c for c in level if c.status == TeamStatus.CONFIRMED.value or c.ref.id in already]
        if len(playable) == 1:
            return _Choice(team=playable[0].ref)
        if len(playable) > 1:
            ids = ", ".join(c.team_id for c in playable)
            errors.add(
                field,
                "ambiguous_team",
                f"{field}: several teams are called {reference!r} ({ids}); use the team ID",
            )
            return _Choice()
    return _Choice(ineligible=levels[0][0])


def _fixture_errors(fixture: FixtureInput) -> list[FieldError]:
    """Round and number rule errors, so they are reported together with team errors."""
    try:
        Match.schedule(
            fixture.round, fixture.round_number, fixture.match_number, TeamRef(-1, "?"), TeamRef(-2, "?")
        )
    except ValidationFailed as exc:
        return exc.errors
    return []


class ScheduleService:
    """Use cases of the match schedule. `uow` builds a fresh unit of work per call."""

    def __init__(
        self,
        uow: Callable[[], ScheduleUnitOfWork],
        timezone: tzinfo,
        points: PointsRules,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        overs_per_innings: int = DEFAULT_OVERS_PER_INNINGS,
    ) -> None:
        self._uow = uow
        self._tz = timezone
        self._points = points
        self._clock = clock
        self._overs_per_innings = overs_per_innings
        # Bumped after every committed change in this process; read caches compare it.
        self.generation = 0

    # --- reads ---------------------------------------------------------------------------------

    async def list_matches(
        self,
        status: str | None = None,
        round_number: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[StoredMatch]:
        """Matches in schedule order (round number, then match number)."""
        wanted = parse_status_filter(status)
        async with self._uow() as uow:
            return await uow.matches.list_matches(
                status=wanted, round_number=round_number, offset=offset, limit=limit
            )

    async def get_match(self, match_id: int) -> StoredMatch:
        if not 1 <= match_id <= MAX_ID:
            raise _not_found(match_id)
        async with self._uow() as uow:
            stored = await uow.matches.get(match_id)
        if stored is None:
            raise _not_found(match_id)
        return stored

    async def standings(self) -> list[RoundTable]:
        """One table per round, derived from every match (only completed ones count)."""
        async with self._uow() as uow:
            stored = await uow.matches.list_matches()
        codes: dict[int, str] = {}
        for item in stored:
            for team, code in ((item.match.team1, item.team1_code), (item.match.team2, item.team2_code)):
                if team is not None and code is not None:
                    codes[team.id] = code
        tables = compute_standings((item.match for item in stored), self._points)
        return [
            RoundTable(
                round_number=table.round_number,
                round=table.round,
                rows=[
                    StandingsLine(
                        team_id=codes[row.team.id],
                        team_name=row.team.name,
                        played=row.played,
                        won=row.won,
                        lost=row.lost,
                        tied=row.tied,
                        no_result=row.no_result,
                        points=row.points,
                        runs_for=row.runs_for,
                        overs_for=_overs(row.balls_for),
                        runs_against=row.runs_against,
                        overs_against=_overs(row.balls_against),
                        nrr=row.nrr,
                    )
                    for row in table.rows
                ],
            )
            for table in tables
        ]

    # --- fixtures ------------------------------------------------------------------------------

    async def create(self, fixture: FixtureInput, actor: Actor) -> StoredMatch:
        """Schedule a match between two confirmed teams."""
        async with self._uow() as uow:
            team1, team2, start = await self._fixture_values(uow, fixture, None)
            match = Match.schedule(
                fixture.round,
                fixture.round_number,
                fixture.match_number,
                team1,
                team2,
                None if isinstance(start, Keep) else start,  # nothing to keep on a new match
                overs_per_innings=self._overs_per_innings
                if fixture.overs_per_innings is None
                else fixture.overs_per_innings,
            )
            await self._ensure_number_free(uow, match)
            match_id = await uow.matches.add(match)
            self._audit(uow, actor, "match.create", match_id, None, match)
            return await self._finish_change(uow, match_id)

    async def update(self, match_id: int, fixture: FixtureInput, actor: Actor) -> StoredMatch:
        """Replace a match's fixture details; an omitted start time keeps the stored one."""
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            before = audit_summary(match)
            team1, team2, start = await self._fixture_values(uow, fixture, match)
            match.edit(
                fixture.round,
                fixture.round_number,
                fixture.match_number,
                team1,
                team2,
                match.scheduled_start_time if isinstance(start, Keep) else start,
                fixture.overs_per_innings,
            )
            await self._ensure_number_free(uow, match)
            await uow.matches.save(match)
            self._audit(uow, actor, "match.update", match_id, before, match)
            return await self._finish_change(uow, match_id)

    async def delete(self, match_id: int, actor: Actor) -> None:
        """Remove a match that has not started (live and completed matches are locked)."""
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            match.ensure_deletable()
            before = audit_summary(match)
            waiting = [later.id for later in await uow.matches.lock_fed_by(match_id) if later.id is not None]
            await uow.matches.remove(match_id)
            uow.audit.record(
                AuditEntry(actor, "match.delete", "match", str(match_id), before=before, after=None)
            )
            await uow.events.match_deleted(match_id)
            for later_id in waiting:  # their places no longer wait for this match's winner
                await self._announce(uow, later_id)
            await uow.commit()
            self.generation += 1

    # --- the match day -------------------------------------------------------------------------

    async def start(self, match_id: int, data: StartInput, actor: Actor) -> StoredMatch:
        """Toss done: scheduled -> live. The start time defaults to now."""
        started_at = self._time(data.actual_start_time, "actual_start_time") or self._clock()
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            before = audit_summary(match)
            match.start(data.toss_winner, data.toss_choice, data.match_score_url, started_at)
            await uow.matches.save(match)
            self._audit(uow, actor, "match.start", match_id, before, match)
            return await self._finish_change(uow, match_id)

    async def record_innings(
        self, match_id: int, innings: Literal[1, 2], data: InningsInput, actor: Actor
    ) -> StoredMatch:
        """Record (or correct) the first or second innings of a live match."""
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            before = audit_summary(match)
            match.record_innings(innings, data.batting_team, data.runs, data.wickets, data.overs)
            await uow.matches.save(match)
            action = "match.first_innings" if innings == 1 else "match.second_innings"
            self._audit(uow, actor, action, match_id, before, match)
            return await self._finish_change(uow, match_id)

    async def finish(self, match_id: int, data: FinishInput, actor: Actor) -> StoredMatch:
        """Declare the result (checked against the scores): live -> completed. End time defaults to now.

        A knockout winner takes its place in the next round's match in the same transaction."""
        ended_at = self._time(data.match_end_time, "match_end_time") or self._clock()
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            before = audit_summary(match)
            match.finish(
                result_type=(data.result_type or "win").strip().lower(),
                winner=data.winner,
                margin=data.margin,
                margin_type=data.margin_type.strip().lower() if data.margin_type else None,
                match_end_time=ended_at,
            )
            await uow.matches.save(match)
            self._audit(uow, actor, "match.finish", match_id, before, match)
            if match.result is not None and match.result.winner is not None:
                await self._advance(uow, match_id, match.result.winner, actor)
            return await self._finish_change(uow, match_id)

    async def advance(self, match_id: int, team: str, actor: Actor) -> StoredMatch:
        """Send a team of a tied, no-result or abandoned knockout match on to the match its winner
        feeds (a won match sends its winner on by itself); returns the match that received it."""
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            result = match.result
            decided = result is not None and result.result_type is ResultType.WIN
            if match.status not in (MatchStatus.COMPLETED, MatchStatus.ABANDONED):
                raise DomainError(
                    ErrorCode.INVALID_MATCH_STATE,
                    f"Match {match.match_number} is {match.status.value}; a team advances once it is over",
                )
            chosen = await self._team_in_match(uow, match, team, "team")
            if decided and result is not None and not chosen.same_as(result.winner):
                raise DomainError(
                    ErrorCode.INVALID_MATCH_STATE,
                    f"{_name(result.winner)} won match {match.match_number}; only the winner advances",
                )
            filled = await self._advance(uow, match_id, chosen, actor)
            if not filled:
                raise DomainError(
                    ErrorCode.INVALID_MATCH_STATE,
                    f"No later match waits for the winner of match {match.match_number}",
                )
            # A bracket feeds one match; `_advance` announced it if it changed.
            return await self._finish_change(uow, filled[0], announce=False)

    async def abandon(self, match_id: int, actor: Actor) -> StoredMatch:
        """Call off a scheduled or live match."""
        async with self._uow() as uow:
            match = await self._lock(uow, match_id)
            before = audit_summary(match)
            match.abandon()
            await uow.matches.save(match)
            self._audit(uow, actor, "match.abandon", match_id, before, match)
            return await self._finish_change(uow, match_id)

    # --- internals -----------------------------------------------------------------------------

    def mark_changed(self) -> None:
        """Another use case committed a schedule change: read caches must reload."""
        self.generation += 1

    async def _advance(
        self, uow: ScheduleUnitOfWork, match_id: int, team: TeamRef, actor: Actor
    ) -> list[int]:
        """Put `team` into every place fed by match `match_id`; the ids of the matches changed."""
        receiving: list[int] = []
        for later in await uow.matches.lock_fed_by(match_id):
            before = audit_summary(later)
            if not later.fill_place(match_id, team) or later.id is None:
                continue
            receiving.append(later.id)
            if audit_summary(later) != before:  # the same team again writes nothing
                await uow.matches.save(later)
                self._audit(uow, actor, "match.advance", later.id, before, later)
                await self._announce(uow, later.id)
        return receiving

    @staticmethod
    async def _team_in_match(uow: ScheduleUnitOfWork, match: Match, reference: str, field: str) -> TeamRef:
        """A team of this match named by name or team ID; a field error otherwise."""
        found = match.find_team(reference)
        for candidate in [] if found else await uow.teams.candidates(reference):
            found = found or match.find_team(candidate.ref)
        if found is None:
            raise ValidationFailed(
                [
                    FieldError(
                        field,
                        "team_not_in_match",
                        f"{reference!r} is not playing in this match "
                        f"({match.place_name(1)} v {match.place_name(2)})",
                    )
                ]
            )
        return found

    def _time(self, raw: str | None, field: str) -> datetime | None:
        return parse_optional_match_time(raw, self._tz, field)

    async def _lock(self, uow: ScheduleUnitOfWork, match_id: int) -> Match:
        if not 1 <= match_id <= MAX_ID:
            raise _not_found(match_id)
        match = await uow.matches.lock(match_id)
        if match is None:
            raise _not_found(match_id)
        return match

    async def _fixture_values(
        self, uow: ScheduleUnitOfWork, fixture: FixtureInput, current: Match | None
    ) -> tuple[TeamRef | None, TeamRef | None, datetime | Keep | None]:
        """Resolve both teams and the start time, reporting every field problem at once. A place of
        a knockout match still waiting for a winner stays empty (None) when the form sends back the
        name it shows ("Winner of Match 5")."""
        errors = FieldErrors()
        start: datetime | Keep | None = KEEP
        if not isinstance(fixture.scheduled_start_time, Keep):
            try:
                start = self._time(fixture.scheduled_start_time, "scheduled_start_time")
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        already = {team.id for team in (current.team1, current.team2) if team} if current else set()
        choices = [
            _Choice(waiting=True)
            if current is not None and _names_waiting_place(current, place, reference)
            else choose_team(field, reference, await uow.teams.candidates(reference), errors, already)
            for place, field, reference in _places(fixture)
        ]
        if errors:
            errors.extend(_fixture_errors(fixture))
        errors.raise_if_any()
        ineligible = [c.ineligible for c in choices if c.ineligible is not None]
        if ineligible:
            names = " and ".join(f"{_label(c)} is {c.status}" for c in ineligible)
            raise DomainError(
                ErrorCode.TEAM_NOT_ELIGIBLE,
                f"Only confirmed teams can play: {names}",
                errors=[
                    FieldError(field, "team_not_confirmed", f"{_label(c)} is {c.status}, not confirmed")
                    for field, choice in zip(("team1", "team2"), choices, strict=True)
                    if (c := choice.ineligible) is not None
                ],
            )
        team1, team2 = choices[0].team, choices[1].team
        assert team1 is not None or choices[0].waiting
        assert team2 is not None or choices[1].waiting
        return team1, team2, start

    @staticmethod
    async def _ensure_number_free(uow: ScheduleUnitOfWork, match: Match) -> None:
        # A friendly early answer; the unique constraint still decides races (mapped in the repository).
        if await uow.matches.number_taken(match.round_number, match.match_number, except_id=match.id):
            raise DomainError(
                ErrorCode.MATCH_CONFLICT,
                f"Round {match.round_number} already has a match number {match.match_number}",
                extra={"round_number": match.round_number, "match_number": match.match_number},
            )

    @staticmethod
    def _audit(
        uow: ScheduleUnitOfWork,
        actor: Actor,
        action: str,
        match_id: int,
        before: dict[str, Any] | None,
        match: Match,
    ) -> None:
        uow.audit.record(
            AuditEntry(actor, action, "match", str(match_id), before=before, after=audit_summary(match))
        )

    async def _finish_change(
        self, uow: ScheduleUnitOfWork, match_id: int, *, announce: bool = True
    ) -> StoredMatch:
        stored = await uow.matches.get(match_id)
        assert stored is not None  # written in this transaction
        if announce:
            await uow.events.match_changed(stored)
        await uow.commit()
        self.generation += 1
        return stored

    @staticmethod
    async def _announce(uow: ScheduleUnitOfWork, match_id: int) -> None:
        """Journal a match changed in this transaction besides the one the use case answers with."""
        stored = await uow.matches.get(match_id)
        if stored is not None:
            await uow.events.match_changed(stored)


def _not_found(match_id: int) -> NotFound:
    return NotFound(ErrorCode.MATCH_NOT_FOUND, f"No match has the ID {match_id}")
