"""Repository interfaces the registration use cases depend on (adapters in `icct26.adapters.db`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from icct26.domain.email import OutboxWriter
from icct26.domain.idempotency import IdempotentAnswers
from icct26.domain.ports import UnitOfWork
from icct26.domain.registration.documents import DocumentKind
from icct26.domain.registration.form import RegistrationDraft
from icct26.domain.registration.lifecycle import Capacity, ReviewItem, WaitingTeam
from icct26.domain.registration.team import TeamStatus, format_player_id, format_team_id


@dataclass(frozen=True, slots=True)
class ChurchSlot:
    """A church row locked for the length of a registration transaction."""

    pk: int
    name: str
    max_teams: int | None


@dataclass(frozen=True, slots=True)
class ChurchTeamCount:
    name: str
    max_teams: int | None
    active_teams: int
    waitlisted: int = 0


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """One file already in the document store, to be recorded with the team."""

    kind: DocumentKind
    player_position: int | None
    storage_key: str
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


@dataclass(frozen=True)
class NewTeam:
    team_id: str
    seq: int
    church_pk: int
    draft: RegistrationDraft
    player_ids: Sequence[str]  # in roster order
    documents: Sequence[StoredUpload]
    submitted_at: datetime
    status: TeamStatus = TeamStatus.PENDING  # or waitlisted


@dataclass(frozen=True, slots=True)
class TeamToAdd:
    """A registration ready to insert, before it has its number (the insert gives it one)."""

    prefix: str  # of its team ID
    church_pk: int
    draft: RegistrationDraft
    documents: Sequence[StoredUpload]
    submitted_at: datetime
    status: TeamStatus = TeamStatus.PENDING  # or waitlisted

    def numbered(self, seq: int) -> NewTeam:
        """The team as stored under number `seq`: its team ID and its players' IDs."""
        team_id = format_team_id(self.prefix, seq)
        player_ids = [format_player_id(team_id, player.position) for player in self.draft.players]
        return NewTeam(
            team_id,
            seq,
            self.church_pk,
            self.draft,
            player_ids,
            self.documents,
            self.submitted_at,
            self.status,
        )


@dataclass(frozen=True, slots=True)
class PublicTeam:
    team_id: str
    team_name: str
    church_name: str
    player_count: int


@dataclass(frozen=True, slots=True)
class PurgeableTeam:
    pk: int
    team_id: str
    storage_keys: tuple[str, ...]


class ChurchRepository(Protocol):
    async def lock(self, key: str) -> ChurchSlot | None:
        """The church with this key, locked until the transaction ends (`SELECT ... FOR UPDATE`)."""
        ...

    async def find(self, key: str) -> ChurchSlot | None:
        """The church with this key, without locking."""
        ...

    async def add_and_lock(self, key: str, name: str) -> ChurchSlot:
        """The church with this key, created when missing, locked until the transaction ends."""
        ...

    async def add_many_if_missing(self, churches: Sequence[tuple[str, str]]) -> int:
        """Create every (key, name) whose key is new; returns how many were added."""
        ...

    async def team_counts(self) -> list[ChurchTeamCount]:
        """Every known church with its number of active teams, by name."""
        ...


@dataclass(frozen=True, slots=True)
class TeamStanding:
    """What decides whether a new team may join: read at once, under the church's lock."""

    active_teams: int  # the church's pending + confirmed teams (0 for a church not created yet)
    name_taken: bool  # an active team of the church has the same name key
    captain_email_taken: bool  # an active team anywhere has the same captain email


class TeamRegistrations(Protocol):
    async def standing(self, church_pk: int | None, name_key: str, captain_email: str) -> TeamStanding:
        """The church's active teams and the name and captain-email conflicts, in one read."""
        ...

    async def add(self, team: TeamToAdd) -> tuple[int, NewTeam]:
        """Number the team (the next of its prefix, gapless) and insert it with its players and
        documents; returns its primary key and the team as numbered (`TeamToAdd.numbered`).

        Every registration waits for the prefix's counter row, locked from here until the commit (a
        rollback gives the number back), so this is the transaction's last long step.
        Raises DUPLICATE_TEAM / DUPLICATE_CAPTAIN_EMAIL when a unique index refuses the row.
        """
        ...

    async def confirmed(self) -> list[PublicTeam]:
        """Confirmed teams in team-ID order (no personal data)."""
        ...


class DocumentRecords(Protocol):
    async def referenced(self, keys: Collection[str]) -> set[str]:
        """Which of `keys` a document or gallery row still points to."""
        ...

    async def purgeable(self, rejected_before: datetime, *, every_team: bool = False) -> list[PurgeableTeam]:
        """Teams whose documents were not purged yet: rejected or withdrawn before the cut-off, or with
        `every_team` (the retention after the tournament has passed) all of them."""
        ...

    async def keys_after(self, after_pk: int, limit: int) -> list[tuple[int, str]]:
        """(pk, storage key) of up to `limit` documents with a larger pk, in pk order."""
        ...

    async def count(self) -> int: ...

    async def forget(self, team_pk: int, purged_at: datetime) -> None:
        """Delete the team's document rows and mark the team as purged."""
        ...


class RegistrationUnitOfWork(UnitOfWork, Protocol):
    """One registration transaction and the repositories that work inside it."""

    async def __aenter__(self) -> RegistrationUnitOfWork: ...

    @property
    def churches(self) -> ChurchRepository: ...

    @property
    def teams(self) -> TeamRegistrations: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def documents(self) -> DocumentRecords: ...

    @property
    def answers(self) -> IdempotentAnswers: ...

    @property
    def waitlist(self) -> WaitingList: ...


# --- the review loop and the waiting list ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterEntry:
    pk: int
    player_id: str
    position: int
    name: str
    role: str | None


@dataclass(frozen=True)
class LifecycleTeam:
    """A team as the review loop sees it, read under its row lock."""

    pk: int
    team_id: str
    name: str
    church_pk: int
    church_name: str
    status: TeamStatus
    status_reason: str | None
    captain_name: str
    captain_email: str
    review_items: list[ReviewItem]
    review_deadline: datetime | None
    link_version: int
    players: list[RosterEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document row of a team, with its history (`replaced_at`: when the captain replaced it)."""

    kind: DocumentKind
    player_pk: int | None
    player_id: str | None
    storage_key: str
    extension: str
    sha256: str
    uploaded_at: datetime
    replaced_at: datetime | None


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """A player of this team whose ID document has the same SHA-256 as one of another active team."""

    player_id: str
    player_name: str
    other_team_id: str
    other_team_name: str
    other_player_id: str
    other_player_name: str


@dataclass(frozen=True, slots=True)
class QueuedTeam:
    """A waitlisted team with what its promotion email needs, in queue order."""

    place: WaitingTeam
    team_id: str
    team_name: str
    church_name: str
    captain_name: str
    captain_email: str
    link_version: int


class TeamLifecycle(Protocol):
    async def lock(self, team_id: str) -> LifecycleTeam | None:
        """The team with its roster, row-locked until the transaction ends."""
        ...

    async def find(self, team_id: str) -> LifecycleTeam | None: ...

    async def review_of(self, team_id: str) -> tuple[int, list[ReviewItem], datetime | None] | None:
        """(team pk, review items, deadline) in one statement, for the admin view."""
        ...

    async def set_status(
        self,
        team_pk: int,
        status: TeamStatus,
        *,
        reason: str | None,
        at: datetime,
        by: str,
        review_items: Sequence[ReviewItem] | None = None,
        review_deadline: datetime | None = None,
    ) -> None:
        """Record a status change; the review columns are written as given (None clears them)."""
        ...

    async def save_review_items(self, team_pk: int, items: Sequence[ReviewItem]) -> None: ...

    async def bump_link_version(self, team_pk: int) -> int: ...

    async def documents(self, team_pk: int) -> list[StoredDocument]: ...

    async def replace_document(
        self, team_pk: int, player_pk: int | None, upload: StoredUpload, at: datetime
    ) -> str | None:
        """Point the team's (or player's) document of that kind at the new file; the old key back."""
        ...

    async def possible_duplicates(self, team_pk: int) -> list[PossibleDuplicate]: ...

    async def overdue(self, now: datetime, limit: int) -> list[str]:
        """Team IDs of changes_requested teams past their deadline, row-locked; rows another worker
        holds are skipped (`FOR UPDATE SKIP LOCKED`)."""
        ...

    async def waitlisted_count(self, church_pk: int) -> int: ...


class WaitingList(Protocol):
    async def lock(self) -> None:
        """Serialise every change of the active set until the transaction ends (an advisory lock)."""
        ...

    async def queue(self) -> list[QueuedTeam]:
        """Waitlisted teams, earliest first."""
        ...

    async def capacity(
        self, church_pks: Collection[int], default_limit: int, max_total: int | None, *, lock: bool
    ) -> Capacity:
        """Active teams of these churches and of the tournament; with `lock`, the church rows are
        locked in id order first (registrations of those churches wait)."""
        ...

    async def active_total(self) -> int: ...

    async def promote(self, team_pk: int, at: datetime) -> None:
        """The waitlisted team becomes pending (it holds a slot from now on)."""
        ...


class CaptainLinks(Protocol):
    """Signed, expiring links that let a captain see and amend their team without an account."""

    def token(self, team_id: str, version: int) -> str: ...

    def url(self, team_id: str, version: int) -> str:
        """The absolute portal address for the captain's emails."""
        ...

    def read(self, token: str) -> tuple[str, int] | None:
        """(team_id, version) of a valid, unexpired token; None otherwise (never says why)."""
        ...
