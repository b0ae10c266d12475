"""Repository interfaces the registration use cases depend on (adapters in `icct26.adapters.db`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from icct26.domain.idempotency import IdempotentAnswers
from icct26.domain.ports import UnitOfWork
from icct26.domain.registration.documents import DocumentKind
from icct26.domain.registration.form import RegistrationDraft


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

    async def add_if_missing(self, key: str, name: str) -> bool:
        """Create the church unless its key exists; True when a row was added."""
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

    async def next_team_seq(self, prefix: str) -> int:
        """Bump the counter row of `prefix` (locked until commit; a rollback gives the number back)."""
        ...

    async def add(self, team: NewTeam) -> int:
        """Insert the team, its players and documents; returns the team's primary key.

        Raises DUPLICATE_TEAM / DUPLICATE_CAPTAIN_EMAIL when a unique index refuses the row.
        """
        ...

    async def confirmed(self) -> list[PublicTeam]:
        """Confirmed teams in team-ID order (no personal data)."""
        ...


class EmailOutbox(Protocol):
    def enqueue(self, kind: str, recipient: str, team_pk: int | None, context: dict[str, Any]) -> None:
        """Owe an email, committed together with the change that causes it."""
        ...


class DocumentRecords(Protocol):
    async def referenced(self, keys: Collection[str]) -> set[str]:
        """Which of `keys` a document or gallery row still points to."""
        ...

    async def purgeable(self, rejected_before: datetime, *, every_team: bool = False) -> list[PurgeableTeam]:
        """Teams whose documents were not purged yet: rejected before the cut-off, or with
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
    def outbox(self) -> EmailOutbox: ...

    @property
    def documents(self) -> DocumentRecords: ...

    @property
    def answers(self) -> IdempotentAnswers: ...
