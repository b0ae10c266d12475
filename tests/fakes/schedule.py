"""ScheduleUnitOfWork: matches and the registered teams the schedule form may name.

Match numbers are unique per round as the database's constraint makes them, and `save` takes only a
match obtained from `lock` in the same unit of work, as the SQL repository insists.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import TeamStatus, team_name_key
from icct26.domain.schedule import Match, MatchStatus, TeamRef
from icct26.domain.schedule.ports import StoredMatch, TeamCandidate
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork, Tables, check_bigint

EPOCH = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class MatchRow:
    match: Match
    created_at: datetime
    updated_at: datetime


@dataclass
class ScheduleTables(Tables):
    matches: dict[int, MatchRow] = field(default_factory=dict)
    teams: list[TeamCandidate] = field(default_factory=list)
    last_match_id: int = 0
    events: list[tuple[str, int]] = field(default_factory=list)  # ("changed" | "deleted", match id)
    writes: int = 0  # row timestamps advance one second per write, so `updated_at` moves on every change

    def stamp(self) -> datetime:
        self.writes += 1
        return EPOCH + timedelta(seconds=self.writes)


class FakeMatches:
    def __init__(self, tables: ScheduleTables) -> None:
        self._t = tables
        self._locked: set[int] = set()

    def _stored(self, row: MatchRow) -> StoredMatch:
        codes = {team.ref.id: team.team_id for team in self._t.teams}
        match = copy.deepcopy(row.match)
        team1 = codes[match.team1.id] if match.team1 is not None else None
        team2 = codes[match.team2.id] if match.team2 is not None else None
        return StoredMatch(match, team1, team2, row.created_at, row.updated_at)

    def _check_number_free(self, match: Match) -> None:
        """The unique constraint on (round_number, match_number)."""
        if self._taken(match.round_number, match.match_number, except_id=match.id):
            raise DomainError(
                ErrorCode.MATCH_CONFLICT,
                f"Round {match.round_number} already has a match number {match.match_number}",
                extra={"round_number": match.round_number, "match_number": match.match_number},
            )

    def _taken(self, round_number: int, match_number: int, *, except_id: int | None) -> bool:
        return any(
            row.match.round_number == round_number
            and row.match.match_number == match_number
            and match_id != except_id
            for match_id, row in self._t.matches.items()
        )

    async def list_matches(
        self,
        *,
        status: MatchStatus | None = None,
        round_number: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[StoredMatch]:
        rows = [
            row
            for row in self._t.matches.values()
            if (status is None or row.match.status is status)
            and (round_number is None or row.match.round_number == round_number)
        ]
        rows.sort(key=lambda row: (row.match.round_number, row.match.match_number, row.match.id))
        end = None if limit is None else offset + limit
        return [self._stored(row) for row in rows[offset:end]]

    async def get(self, match_id: int) -> StoredMatch | None:
        row = self._t.matches.get(check_bigint(match_id))
        return None if row is None else self._stored(row)

    async def lock(self, match_id: int) -> Match | None:
        row = self._t.matches.get(check_bigint(match_id))
        if row is None:
            return None
        self._locked.add(match_id)
        return copy.deepcopy(row.match)

    async def number_taken(self, round_number: int, match_number: int, *, except_id: int | None) -> bool:
        return self._taken(round_number, match_number, except_id=except_id)

    async def highest_numbers(self) -> tuple[int, int]:
        matches = [row.match for row in self._t.matches.values()]
        return (
            max((m.round_number for m in matches), default=0),
            max((m.match_number for m in matches), default=0),
        )

    async def numbers_taken(self, numbers: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [(r, n) for r, n in numbers if self._taken(r, n, except_id=None)]

    async def lock_fed_by(self, match_id: int) -> list[Match]:
        fed = [
            row.match.id
            for row in self._t.matches.values()
            if any(
                f is not None and f.match_id == match_id for f in (row.match.team1_from, row.match.team2_from)
            )
        ]
        return [m for m in [await self.lock(i) for i in fed if i is not None] if m is not None]

    async def add(self, match: Match) -> int:
        self._check_number_free(match)
        self._t.last_match_id += 1
        match.id = self._t.last_match_id
        now = self._t.stamp()
        self._t.matches[match.id] = MatchRow(copy.deepcopy(match), now, now)
        return match.id

    async def save(self, match: Match) -> None:
        if match.id is None or match.id not in self._locked:
            raise RuntimeError("save() needs a match obtained from lock() in this unit of work")
        self._check_number_free(match)
        row = self._t.matches[match.id]
        row.match, row.updated_at = copy.deepcopy(match), self._t.stamp()

    async def remove(self, match_id: int) -> None:
        self._locked.discard(match_id)
        self._t.matches.pop(match_id, None)


class FakeTeamDirectory:
    def __init__(self, tables: ScheduleTables) -> None:
        self._t = tables

    async def confirmed(self) -> list[TeamCandidate]:
        return sorted((t for t in self._t.teams if t.status == "confirmed"), key=lambda t: t.team_id)

    async def candidates(self, reference: str) -> list[TeamCandidate]:
        text = reference.strip()
        if not text:
            return []
        return [
            team
            for team in self._t.teams
            if team.team_id.upper() == text.upper()
            or team.ref.name == text
            or team_name_key(team.ref.name) == team_name_key(text)
        ]


class FakeMatchEvents:
    """The live-event journal: recorded with the change, so a rolled-back change announces nothing."""

    def __init__(self, tables: ScheduleTables) -> None:
        self._t = tables

    async def match_changed(self, stored: StoredMatch) -> None:
        self._t.events.append(("changed", stored.id))

    async def match_deleted(self, match_id: int) -> None:
        self._t.events.append(("deleted", match_id))


class FakeScheduleUnitOfWork(FakeUnitOfWork[ScheduleTables]):
    matches: FakeMatches
    teams: FakeTeamDirectory
    events: FakeMatchEvents

    def _bind(self, tables: ScheduleTables) -> None:
        super()._bind(tables)
        self.matches = FakeMatches(tables)
        self.teams = FakeTeamDirectory(tables)
        self.events = FakeMatchEvents(tables)


class FakeScheduleDatabase(FakeDatabase[ScheduleTables]):
    def __init__(self) -> None:
        super().__init__(ScheduleTables())

    def unit_of_work(self) -> FakeScheduleUnitOfWork:
        return FakeScheduleUnitOfWork(self)

    # --- arranging and inspecting committed rows ---------------------------------------------------

    def add_team(self, name: str, status: TeamStatus = TeamStatus.CONFIRMED) -> TeamRef:
        """A registered team, numbered in registration order (ICCT-001, ...)."""
        pk = len(self.committed.teams) + 1
        ref = TeamRef(pk, name)
        self.committed.teams.append(TeamCandidate(ref, f"ICCT-{pk:03d}", status.value))
        return ref

    def set_status(self, team_id: str, status: TeamStatus) -> None:
        teams = self.committed.teams
        index = next(i for i, team in enumerate(teams) if team.team_id == team_id)
        teams[index] = replace(teams[index], status=status.value)

    def match(self, match_id: int) -> Match:
        return self.committed.matches[match_id].match
