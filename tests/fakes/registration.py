"""RegistrationUnitOfWork: churches, teams, document records, the waiting list and recorded answers in
memory.

The team rows enforce what the database's unique indexes enforce (one live team, active or waiting,
per name and church, and per captain email), so a use case that skipped its own check still fails.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from icct26.domain.registration import (
    ACTIVE_STATUSES,
    LIVE_STATUSES,
    Contact,
    DocumentKind,
    RegistrationDraft,
    TeamStatus,
    church_key,
)
from icct26.domain.registration.conflicts import duplicate_captain_email, duplicate_team
from icct26.domain.registration.lifecycle import Capacity, WaitingTeam
from icct26.domain.registration.ports import (
    ChurchSlot,
    ChurchTeamCount,
    NewTeam,
    PublicTeam,
    PurgeableTeam,
    QueuedTeam,
    StoredUpload,
    TeamStanding,
    TeamToAdd,
)
from tests.fakes.idempotency import ClaimKey, FakeIdempotentAnswers
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork, Tables

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class ChurchRow:
    pk: int
    key: str
    name: str
    max_teams: int | None = None


@dataclass
class TeamRow:
    pk: int
    team: NewTeam
    status: TeamStatus = TeamStatus.PENDING
    status_changed_at: datetime | None = None
    documents_purged: bool = False

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def live(self) -> bool:
        """Active or waiting: what the unique indexes cover."""
        return self.status in LIVE_STATUSES


@dataclass
class RegistrationTables(Tables):
    churches: dict[str, ChurchRow] = field(default_factory=dict)  # by church key
    teams: list[TeamRow] = field(default_factory=list)
    team_seq: dict[str, int] = field(default_factory=dict)  # last number given, per prefix
    claims: dict[ClaimKey, datetime] = field(default_factory=dict)
    answers: dict[ClaimKey, bytes] = field(default_factory=dict)


def _slot(row: ChurchRow) -> ChurchSlot:
    return ChurchSlot(row.pk, row.name, row.max_teams)


class FakeChurches:
    def __init__(self, tables: RegistrationTables) -> None:
        self._t = tables

    async def lock(self, key: str) -> ChurchSlot | None:
        return await self.find(key)

    async def find(self, key: str) -> ChurchSlot | None:
        row = self._t.churches.get(key)
        return None if row is None else _slot(row)

    async def add_and_lock(self, key: str, name: str) -> ChurchSlot:
        await self.add_many_if_missing([(key, name)])
        return _slot(self._t.churches[key])

    async def add_many_if_missing(self, churches: Sequence[tuple[str, str]]) -> int:
        added = 0
        for key, name in churches:
            if key not in self._t.churches:
                self._t.churches[key] = ChurchRow(len(self._t.churches) + 1, key, name)
                added += 1
        return added

    async def team_counts(self) -> list[ChurchTeamCount]:
        return [
            ChurchTeamCount(
                row.name,
                row.max_teams,
                sum(t.active and t.team.church_pk == row.pk for t in self._t.teams),
                sum(t.status is TeamStatus.WAITLISTED and t.team.church_pk == row.pk for t in self._t.teams),
            )
            for row in sorted(self._t.churches.values(), key=lambda row: row.name)
        ]


class FakeTeamRegistrations:
    def __init__(self, tables: RegistrationTables) -> None:
        self._t = tables

    def _live(self) -> list[TeamRow]:
        return [row for row in self._t.teams if row.live]

    async def standing(self, church_pk: int | None, name_key: str, captain_email: str) -> TeamStanding:
        of_church = [row for row in self._live() if row.team.church_pk == church_pk]
        return TeamStanding(
            active_teams=sum(row.active for row in of_church),
            name_taken=any(row.team.draft.team_name_key == name_key for row in of_church),
            captain_email_taken=any(row.team.draft.captain.email == captain_email for row in self._live()),
        )

    async def add(self, team: TeamToAdd) -> tuple[int, NewTeam]:
        draft = team.draft
        standing = await self.standing(team.church_pk, draft.team_name_key, draft.captain.email)
        if standing.name_taken:
            raise duplicate_team(draft.team_name)
        if standing.captain_email_taken:
            raise duplicate_captain_email()
        seq = self._t.team_seq[team.prefix] = self._t.team_seq.get(team.prefix, 0) + 1
        numbered = team.numbered(seq)
        pk = len(self._t.teams) + 1
        self._t.teams.append(TeamRow(pk, numbered, team.status))
        return pk, numbered

    async def confirmed(self) -> list[PublicTeam]:
        names = {row.pk: row.name for row in self._t.churches.values()}
        confirmed = [row.team for row in self._t.teams if row.status is TeamStatus.CONFIRMED]
        return [
            PublicTeam(team.team_id, team.draft.team_name, names[team.church_pk], team.draft.player_count)
            for team in sorted(confirmed, key=lambda team: team.seq)
        ]


class FakeDocumentRecords:
    def __init__(self, tables: RegistrationTables) -> None:
        self._t = tables

    async def referenced(self, keys: Collection[str]) -> set[str]:
        named = {
            doc.storage_key for row in self._t.teams if not row.documents_purged for doc in row.team.documents
        }
        return named & set(keys)

    async def purgeable(self, rejected_before: datetime, *, every_team: bool = False) -> list[PurgeableTeam]:
        return [
            PurgeableTeam(row.pk, row.team.team_id, tuple(doc.storage_key for doc in row.team.documents))
            for row in self._t.teams
            if not row.documents_purged
            and (
                every_team
                or (
                    row.status in (TeamStatus.REJECTED, TeamStatus.WITHDRAWN)
                    and row.status_changed_at is not None
                    and row.status_changed_at < rejected_before
                )
            )
        ]

    def _rows(self) -> list[tuple[int, str]]:
        """(pk, key) of every document row; a team's documents number from its pk * 1000 (stable
        while other teams' rows go)."""
        return [
            (row.pk * 1000 + index, doc.storage_key)
            for row in self._t.teams
            if not row.documents_purged
            for index, doc in enumerate(row.team.documents)
        ]

    async def keys_after(self, after_pk: int, limit: int) -> list[tuple[int, str]]:
        return sorted(row for row in self._rows() if row[0] > after_pk)[:limit]

    async def count(self) -> int:
        return len(self._rows())

    async def forget(self, team_pk: int, purged_at: datetime) -> None:
        for row in self._t.teams:
            if row.pk == team_pk:
                row.documents_purged = True


class FakeWaitingList:
    """The queue is the waitlisted teams in team-number order; one writer at a time, so `lock` has
    nothing to serialise."""

    def __init__(self, tables: RegistrationTables) -> None:
        self._t = tables

    async def lock(self) -> None:
        return None

    async def queue(self) -> list[QueuedTeam]:
        names = {row.pk: row.name for row in self._t.churches.values()}
        waiting = sorted(
            (row for row in self._t.teams if row.status is TeamStatus.WAITLISTED),
            key=lambda row: row.team.seq,
        )
        return [
            QueuedTeam(
                WaitingTeam(row.pk, row.team.church_pk),
                row.team.team_id,
                row.team.draft.team_name,
                names[row.team.church_pk],
                row.team.draft.captain.name,
                row.team.draft.captain.email,
                1,
            )
            for row in waiting
        ]

    async def capacity(
        self, church_pks: Collection[int], default_limit: int, max_total: int | None, *, lock: bool
    ) -> Capacity:
        churches = {row.pk: row for row in self._t.churches.values() if row.pk in set(church_pks)}
        limits = {
            pk: default_limit if row.max_teams is None else row.max_teams for pk, row in churches.items()
        }
        counts = {pk: sum(t.active and t.team.church_pk == pk for t in self._t.teams) for pk in churches}
        total = await self.active_total() if max_total is not None else 0
        return Capacity(counts, limits, total, max_total)

    async def active_total(self) -> int:
        return sum(row.active for row in self._t.teams)

    async def promote(self, team_pk: int, at: datetime) -> None:
        for row in self._t.teams:
            if row.pk == team_pk and row.status is TeamStatus.WAITLISTED:
                row.status, row.status_changed_at = TeamStatus.PENDING, at


class FakeRegistrationUnitOfWork(FakeUnitOfWork[RegistrationTables]):
    churches: FakeChurches
    teams: FakeTeamRegistrations
    documents: FakeDocumentRecords
    answers: FakeIdempotentAnswers
    waitlist: FakeWaitingList

    def _bind(self, tables: RegistrationTables) -> None:
        super()._bind(tables)
        self.churches = FakeChurches(tables)
        self.teams = FakeTeamRegistrations(tables)
        self.documents = FakeDocumentRecords(tables)
        self.answers = FakeIdempotentAnswers(tables.claims, tables.answers)
        self.waitlist = FakeWaitingList(tables)


class FakeRegistrationDatabase(FakeDatabase[RegistrationTables]):
    def __init__(self) -> None:
        super().__init__(RegistrationTables())

    def unit_of_work(self) -> FakeRegistrationUnitOfWork:
        return FakeRegistrationUnitOfWork(self)

    # --- arranging and inspecting committed rows ---------------------------------------------------

    def add_church(self, name: str, *, max_teams: int | None = None) -> ChurchRow:
        key = church_key(name)
        row = ChurchRow(len(self.committed.churches) + 1, key, name, max_teams)
        self.committed.churches[key] = row
        return row

    def add_team(
        self,
        church_pk: int,
        status: TeamStatus = TeamStatus.PENDING,
        *,
        storage_keys: Sequence[str] = (),
        status_changed_at: datetime | None = None,
    ) -> str:
        """A team holding a church slot and naming stored files, without a roster; register through
        the use case for a whole one. Returns its team ID."""
        pk = len(self.committed.teams) + 1
        captain = Contact("Seed Captain", "9000000000", f"seed{pk}@example.com")
        draft = RegistrationDraft(f"Seed Team {pk}", f"seed team {pk}", "", "", captain, captain, (), {})
        documents = [
            StoredUpload(DocumentKind.PASTOR_LETTER, None, key, "application/pdf", "pdf", 1, "", "letter.pdf")
            for key in storage_keys
        ]
        team = NewTeam(f"SEED-{pk:03d}", pk, church_pk, draft, (), documents, SEEDED_AT)
        self.committed.teams.append(TeamRow(pk, team, status, status_changed_at))
        return team.team_id

    def team(self, team_id: str) -> TeamRow:
        return next(row for row in self.committed.teams if row.team.team_id == team_id)

    def set_status(self, team_id: str, status: TeamStatus, at: datetime | None = None) -> None:
        row = self.team(team_id)
        row.status, row.status_changed_at = status, at
