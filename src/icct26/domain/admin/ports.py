"""Ports of the admin use cases; `icct26.adapters.db.admin_*` implement them on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from icct26.domain.admin.users import AdminUser, StaffRole
from icct26.domain.admin.views import (
    AuditView,
    ChurchView,
    ExportRecord,
    PlayerView,
    TeamDetail,
    TeamQuery,
    TeamSummary,
    TeamView,
)
from icct26.domain.audit import AuditLog
from icct26.domain.email import OutboxWriter
from icct26.domain.registration import TeamStatus
from icct26.domain.registration.ports import WaitingList


class TeamReviewRepository(Protocol):
    """Teams as organisers see them. Every read is a fixed number of queries, whatever the size."""

    async def list_version(self) -> int:
        """A number that moves with every committed change to what `page` shows (teams, players,
        documents, churches), on every instance: an answer built at version N is current while
        this still says N."""
        ...

    async def page(self, query: TeamQuery) -> tuple[list[TeamSummary], int]:
        """One page of teams matching `query`, and how many match in total (one statement)."""
        ...

    async def detail(self, team_id: str) -> TeamDetail | None: ...

    async def player(self, player_id: str) -> tuple[PlayerView, TeamView] | None: ...

    async def lock_for_review(self, team_id: str) -> TeamView | None:
        """The team, row-locked until the transaction ends (concurrent reviews queue up)."""
        ...

    async def set_status(
        self, team_pk: int, status: TeamStatus, reason: str | None, at: datetime, by: str
    ) -> None: ...

    async def roster(self, team_pk: int) -> list[PlayerView]: ...

    def export_records(self, batch_size: int) -> AsyncIterator[ExportRecord]:
        """Every team with every player, streamed from the database in batches."""
        ...


class AuditReader(Protocol):
    async def page(self, page: int, page_size: int) -> tuple[list[AuditView], int]:
        """Newest entries first."""
        ...


class AdminUserRepository(Protocol):
    async def by_email(self, email: str) -> AdminUser | None: ...

    async def get(self, user_id: int) -> AdminUser | None: ...

    async def list_all(self) -> list[AdminUser]: ...

    async def add(self, email: str, role: StaffRole, password_hash: str) -> AdminUser:
        """Raises DomainError(USER_EXISTS) when the email is taken."""
        ...

    async def update(
        self,
        user_id: int,
        *,
        role: StaffRole | None = None,
        is_active: bool | None = None,
        password_hash: str | None = None,
        last_login_at: datetime | None = None,
        revoke_tokens: bool = False,
    ) -> AdminUser:
        """Change the given fields; `revoke_tokens` bumps the token version (earlier tokens stop working)."""
        ...

    async def delete(self, user_id: int) -> None: ...

    async def count_active_admins(self) -> int: ...


class ChurchAdminRepository(Protocol):
    async def list_all(self, search: str | None = None) -> list[ChurchView]: ...

    async def get(self, church_id: int) -> ChurchView | None: ...

    async def id_by_key(self, key: str) -> int | None: ...

    async def add(self, name: str, key: str, max_teams: int | None) -> ChurchView:
        """Raises DomainError(CHURCH_EXISTS) when the key is taken."""
        ...

    async def update(self, church_id: int, name: str, key: str, max_teams: int | None) -> ChurchView: ...

    async def delete(self, church_id: int) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing (argon2). Calls are CPU-bound: run them off the event loop."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_dummy(self, password: str) -> None:
        """Spend the time of one verification, so unknown emails answer as slowly as known ones."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AdminUnitOfWork(Protocol):
    """One transaction over everything the admin use cases touch."""

    @property
    def teams(self) -> TeamReviewRepository: ...

    @property
    def users(self) -> AdminUserRepository: ...

    @property
    def churches(self) -> ChurchAdminRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def audit_reader(self) -> AuditReader: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def waitlist(self) -> WaitingList: ...

    async def __aenter__(self) -> AdminUnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None:
        """Raises RuntimeError in a read-only unit of work (see AdminUnitOfWorkFactory)."""
        ...


class AdminUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> AdminUnitOfWork:
        """A unit of work; `read_only` for a use case that reads with one statement: it runs outside
        a transaction (no BEGIN and ROLLBACK round trips), so two statements would not share a
        snapshot, and it has nothing to commit."""
        ...
