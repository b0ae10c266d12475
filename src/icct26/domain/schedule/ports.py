"""Ports the schedule use cases depend on; `icct26.adapters.db.schedule_repository` implements them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from icct26.domain.audit import AuditLog
from icct26.domain.schedule.match import Match
from icct26.domain.schedule.values import MatchStatus, TeamRef


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A match as stored: the aggregate plus what only storage knows (the teams' public IDs such as
    ICCT-001 — None for a knockout place still waiting for a winner — and the row's timestamps)."""

    match: Match
    team1_code: str | None
    team2_code: str | None
    created_at: datetime
    updated_at: datetime
    version: int = 0  # saved changes so far (a calendar entry's SEQUENCE)

    @property
    def id(self) -> int:
        assert self.match.id is not None  # stored matches always have one
        return self.match.id


@dataclass(frozen=True, slots=True)
class TeamCandidate:
    """A registered team that a reference (team ID or name) may mean."""

    ref: TeamRef
    team_id: str
    status: str  # registration status: pending | confirmed | rejected


class MatchRepository(Protocol):
    """Matches, read in one statement each (teams joined), changed under a row lock."""

    async def list_matches(
        self,
        *,
        status: MatchStatus | None = None,
        round_number: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[StoredMatch]:
        """Matches ordered by round number, then match number."""
        ...

    async def get(self, match_id: int) -> StoredMatch | None: ...

    async def lock(self, match_id: int) -> Match | None:
        """The match, locked for update until the transaction ends (SELECT ... FOR UPDATE)."""
        ...

    async def lock_fed_by(self, match_id: int) -> list[Match]:
        """The later knockout matches with a place for the winner of `match_id`, locked for update."""
        ...

    async def number_taken(self, round_number: int, match_number: int, *, except_id: int | None) -> bool:
        """Whether another match already has this (round_number, match_number)."""
        ...

    async def highest_numbers(self) -> tuple[int, int]:
        """The highest round number and the highest match number in use (0 when there are none)."""
        ...

    async def numbers_taken(self, numbers: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Which of these (round_number, match_number) pairs matches already have."""
        ...

    async def add(self, match: Match) -> int:
        """Insert a new match and return its id; a taken number raises MATCH_CONFLICT."""
        ...

    async def save(self, match: Match) -> None:
        """Write back a match obtained from `lock`; a taken number raises MATCH_CONFLICT."""
        ...

    async def remove(self, match_id: int) -> None: ...


class TeamDirectory(Protocol):
    """Registered teams, looked up the way the schedule form refers to them."""

    async def candidates(self, reference: str) -> list[TeamCandidate]:
        """Teams whose team ID (any case), exact name, or normalised name equals `reference`."""
        ...

    async def confirmed(self) -> list[TeamCandidate]:
        """Every confirmed team, in registration order (team ID order)."""
        ...


class MatchEventJournal(Protocol):
    """Live events for spectators: recorded in the change's transaction, announced to every instance
    when it commits (nothing is announced for a change that rolls back)."""

    async def match_changed(self, stored: StoredMatch) -> None:
        """The match as it is after this change (call once the change is written)."""
        ...

    async def match_deleted(self, match_id: int) -> None: ...


class ScheduleUnitOfWork(Protocol):
    """One transaction over matches, teams, the audit log and the live-event journal."""

    @property
    def matches(self) -> MatchRepository: ...

    @property
    def teams(self) -> TeamDirectory: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def events(self) -> MatchEventJournal: ...

    async def __aenter__(self) -> ScheduleUnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...
