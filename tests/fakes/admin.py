"""AdminUnitOfWork and EmailUnitOfWork: teams under review, churches, staff accounts and the audit trail.

Both units of work read the same tables, as both SQL ones read the same database: a team confirmed by
the review use case is the team whose email the re-send use case queues again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from icct26.domain.admin.errors import church_exists, user_exists
from icct26.domain.admin.users import AdminUser, StaffRole
from icct26.domain.admin.views import (
    AuditView,
    ChurchView,
    ContactView,
    DocumentRef,
    ExportRecord,
    PlayerView,
    TeamDetail,
    TeamQuery,
    TeamSummary,
    TeamView,
)
from icct26.domain.email import RosterEntry, TeamEmailSnapshot
from icct26.domain.registration import ACTIVE_STATUSES, TeamStatus, church_key
from icct26.domain.registration.lifecycle import Capacity, WaitingTeam
from icct26.domain.registration.ports import QueuedTeam
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork, Tables

CREATED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class ReviewTeam:
    view: TeamView
    players: list[PlayerView]


@dataclass
class ChurchRow:
    id: int
    name: str
    key: str
    max_teams: int | None


@dataclass
class AdminTables(Tables):
    teams: dict[str, ReviewTeam] = field(default_factory=dict)  # by team ID
    churches: dict[int, ChurchRow] = field(default_factory=dict)
    users: dict[int, AdminUser] = field(default_factory=dict)


class FakeTeamReviews:
    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    def _by_pk(self, team_pk: int) -> ReviewTeam:
        return next(team for team in self._t.teams.values() if team.view.pk == team_pk)

    @staticmethod
    def _matches(team: TeamView, query: TeamQuery) -> bool:
        if query.status is not None and team.status is not query.status:
            return False
        if query.church is not None and church_key(team.church_name) != query.church:
            return False
        texts = (
            team.name,
            team.team_id,
            team.church_name,
            team.captain.name,
            team.captain.email,
            team.vice_captain.name,
        )
        return query.search is None or any(query.search.casefold() in text.casefold() for text in texts)

    async def list_version(self) -> int:
        """Equal while what the list shows is equal (PostgreSQL counts commits instead)."""
        return hash(repr((sorted(self._t.teams.items()), sorted(self._t.churches.items()))))

    async def page(self, query: TeamQuery) -> tuple[list[TeamSummary], int]:
        found = sorted(
            (t.view for t in self._t.teams.values() if self._matches(t.view, query)), key=lambda v: v.pk
        )
        return [TeamSummary.of(v) for v in found[query.offset : query.offset + query.page_size]], len(found)

    async def detail(self, team_id: str) -> TeamDetail | None:
        team = self._t.teams.get(team_id)
        return None if team is None else TeamDetail(team.view, list(team.players))

    async def player(self, player_id: str) -> tuple[PlayerView, TeamView] | None:
        for team in self._t.teams.values():
            for player in team.players:
                if player.player_id == player_id:
                    return player, team.view
        return None

    async def lock_for_review(self, team_id: str) -> TeamView | None:
        team = self._t.teams.get(team_id)
        return None if team is None else team.view

    async def set_status(
        self, team_pk: int, status: TeamStatus, reason: str | None, at: datetime, by: str
    ) -> None:
        team = self._by_pk(team_pk)
        team.view = replace(
            team.view, status=status, status_reason=reason, status_changed_at=at, status_changed_by=by
        )

    async def roster(self, team_pk: int) -> list[PlayerView]:
        return list(self._by_pk(team_pk).players)

    async def export_records(self, batch_size: int) -> AsyncIterator[ExportRecord]:
        for team in sorted(self._t.teams.values(), key=lambda t: t.view.pk):
            if not team.players:
                yield ExportRecord(team.view, None)
            for player in team.players:
                yield ExportRecord(team.view, player)


class FakeChurchAdmin:
    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    def _view(self, row: ChurchRow) -> ChurchView:
        teams = [t.view for t in self._t.teams.values() if church_key(t.view.church_name) == row.key]
        active = sum(team.status in ACTIVE_STATUSES for team in teams)
        return ChurchView(row.id, row.name, row.key, row.max_teams, active, len(teams), CREATED_AT)

    def _check_key_free(self, key: str, name: str, church_id: int | None) -> None:
        # The unique index on the key.
        if any(row.key == key and row.id != church_id for row in self._t.churches.values()):
            raise church_exists(name)

    async def list_all(self, search: str | None = None) -> list[ChurchView]:
        rows = sorted(self._t.churches.values(), key=lambda row: (row.name, row.id))
        return [self._view(row) for row in rows if search is None or search.casefold() in row.name.casefold()]

    async def get(self, church_id: int) -> ChurchView | None:
        row = self._t.churches.get(church_id)
        return None if row is None else self._view(row)

    async def id_by_key(self, key: str) -> int | None:
        return next((row.id for row in self._t.churches.values() if row.key == key), None)

    async def add(self, name: str, key: str, max_teams: int | None) -> ChurchView:
        self._check_key_free(key, name, None)
        row = ChurchRow(max(self._t.churches, default=0) + 1, name, key, max_teams)
        self._t.churches[row.id] = row
        return self._view(row)

    async def update(self, church_id: int, name: str, key: str, max_teams: int | None) -> ChurchView:
        self._check_key_free(key, name, church_id)
        row = self._t.churches[church_id]
        row.name, row.key, row.max_teams = name, key, max_teams
        return self._view(row)

    async def delete(self, church_id: int) -> None:
        del self._t.churches[church_id]


class FakeAdminUsers:
    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    async def by_email(self, email: str) -> AdminUser | None:
        return next((user for user in self._t.users.values() if user.email == email), None)

    async def get(self, user_id: int) -> AdminUser | None:
        return self._t.users.get(user_id)

    async def list_all(self) -> list[AdminUser]:
        return sorted(self._t.users.values(), key=lambda user: user.id)

    async def add(self, email: str, role: StaffRole, password_hash: str) -> AdminUser:
        if await self.by_email(email) is not None:
            raise user_exists(email)
        user = AdminUser(
            max(self._t.users, default=0) + 1, email, role, True, password_hash, None, CREATED_AT
        )
        self._t.users[user.id] = user
        return user

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
        user = self._t.users[user_id]
        changed = replace(
            user,
            role=role or user.role,
            is_active=user.is_active if is_active is None else is_active,
            password_hash=password_hash or user.password_hash,
            last_login_at=last_login_at or user.last_login_at,
            token_version=user.token_version + 1 if revoke_tokens else user.token_version,
        )
        self._t.users[user_id] = changed
        return changed

    async def delete(self, user_id: int) -> None:
        del self._t.users[user_id]

    async def count_active_admins(self) -> int:
        return sum(u.is_active and u.role is StaffRole.ADMIN for u in self._t.users.values())


class FakeAuditReader:
    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    async def page(self, page: int, page_size: int) -> tuple[list[AuditView], int]:
        views = [
            AuditView(
                number,
                CREATED_AT,
                e.actor.user_id,
                e.actor.email,
                e.action,
                e.target_type,
                e.target_id,
                e.before,
                e.after,
                e.reason,
                e.actor.ip,
                e.actor.request_id,
            )
            for number, e in enumerate(self._t.audit, start=1)
        ]
        newest_first = views[::-1]
        return newest_first[(page - 1) * page_size : page * page_size], len(views)


class FakeTeamEmails:
    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    async def snapshot(self, team_id: str) -> TeamEmailSnapshot | None:
        team = self._t.teams.get(team_id)
        if team is None:
            return None
        view = team.view
        return TeamEmailSnapshot(
            view.pk,
            view.team_id,
            view.name,
            view.church_name,
            view.captain.name,
            view.captain.email,
            view.status.value,
            view.status_reason,
            view.submitted_at,
            tuple(RosterEntry(p.player_id, p.name, p.role) for p in team.players),
        )


class FakeWaitingList:
    """The waitlisted teams in team-number order; a team's church is the church row of its name (0
    when the test added none). One writer at a time, so `lock` has nothing to serialise."""

    def __init__(self, tables: AdminTables) -> None:
        self._t = tables

    def _church_pk(self, team: TeamView) -> int:
        key = church_key(team.church_name)
        return next((row.id for row in self._t.churches.values() if row.key == key), 0)

    async def lock(self) -> None:
        return None

    async def queue(self) -> list[QueuedTeam]:
        waiting = sorted(
            (t.view for t in self._t.teams.values() if t.view.status is TeamStatus.WAITLISTED),
            key=lambda view: view.pk,
        )
        return [
            QueuedTeam(
                WaitingTeam(view.pk, self._church_pk(view)),
                view.team_id,
                view.name,
                view.church_name,
                view.captain.name,
                view.captain.email,
                1,
            )
            for view in waiting
        ]

    async def capacity(
        self, church_pks: Collection[int], default_limit: int, max_total: int | None, *, lock: bool
    ) -> Capacity:
        rows = {row.id: row for row in self._t.churches.values()}
        limits = {
            pk: default_limit if pk not in rows or rows[pk].max_teams is None else rows[pk].max_teams or 0
            for pk in church_pks
        }
        active = [t.view for t in self._t.teams.values() if t.view.status in ACTIVE_STATUSES]
        counts = {pk: sum(self._church_pk(view) == pk for view in active) for pk in church_pks}
        total = len(active) if max_total is not None else 0
        return Capacity(counts, limits, total, max_total)

    async def active_total(self) -> int:
        return sum(t.view.status in ACTIVE_STATUSES for t in self._t.teams.values())

    async def promote(self, team_pk: int, at: datetime) -> None:
        for team in self._t.teams.values():
            if team.view.pk == team_pk and team.view.status is TeamStatus.WAITLISTED:
                team.view = replace(
                    team.view,
                    status=TeamStatus.PENDING,
                    status_reason=None,
                    status_changed_at=at,
                    status_changed_by="system",
                )


class FakeAdminUnitOfWork(FakeUnitOfWork[AdminTables]):
    teams: FakeTeamReviews
    users: FakeAdminUsers
    churches: FakeChurchAdmin
    audit_reader: FakeAuditReader
    waitlist: FakeWaitingList

    def _bind(self, tables: AdminTables) -> None:
        super()._bind(tables)
        self.teams = FakeTeamReviews(tables)
        self.users = FakeAdminUsers(tables)
        self.churches = FakeChurchAdmin(tables)
        self.audit_reader = FakeAuditReader(tables)
        self.waitlist = FakeWaitingList(tables)


class FakeEmailUnitOfWork(FakeUnitOfWork[AdminTables]):
    teams: FakeTeamEmails

    def _bind(self, tables: AdminTables) -> None:
        super()._bind(tables)
        self.teams = FakeTeamEmails(tables)


def _document(kind: str, owner: str) -> DocumentRef:
    extension = "pdf" if kind in ("pastor_letter", "subscription") else "jpg"
    return DocumentRef(kind, f"teams/{owner}/{kind}.{extension}", extension)


class FakeAdminDatabase(FakeDatabase[AdminTables]):
    def __init__(self) -> None:
        super().__init__(AdminTables())

    def unit_of_work(self, *, read_only: bool = False) -> FakeAdminUnitOfWork:
        return FakeAdminUnitOfWork(self, read_only=read_only)

    def email_unit_of_work(self) -> FakeEmailUnitOfWork:
        return FakeEmailUnitOfWork(self)

    # --- arranging and inspecting committed rows ---------------------------------------------------

    def add_team(
        self,
        name: str,
        *,
        church: str = "CSI St. Peter's Church",
        status: TeamStatus = TeamStatus.PENDING,
        reason: str | None = None,
        players: int = 2,
    ) -> TeamView:
        """A registered team with its documents, numbered in registration order (ICCT-001, ...)."""
        pk = len(self.committed.teams) + 1
        team_id = f"ICCT-{pk:03d}"
        view = TeamView(
            pk=pk,
            team_id=team_id,
            name=name,
            church_name=church,
            captain=ContactView("John Samuel", f"98{pk:08d}", f"captain{pk}@example.com", None),
            vice_captain=ContactView("Paul Raj", f"87{pk:08d}", f"vice{pk}@example.com", None),
            player_count=players,
            status=status,
            status_reason=reason,
            status_changed_at=None,
            status_changed_by=None,
            submitted_at=CREATED_AT,
            documents={kind: _document(kind, team_id) for kind in ("pastor_letter", "payment_receipt")},
        )
        roster = [
            PlayerView(
                pk * 100 + position,
                f"{team_id}-P{position:02d}",
                position,
                f"Player {position} of {name}",
                "Batsman",
                {"aadhar": _document("aadhar", f"{team_id}-P{position:02d}")},
            )
            for position in range(1, players + 1)
        ]
        self.committed.teams[team_id] = ReviewTeam(view, roster)
        return view

    def add_church(self, name: str, *, max_teams: int | None = None) -> int:
        church_id = max(self.committed.churches, default=0) + 1
        self.committed.churches[church_id] = ChurchRow(church_id, name, church_key(name), max_teams)
        return church_id

    def add_user(self, user: AdminUser) -> AdminUser:
        self.committed.users[user.id] = user
        return user

    def team(self, team_id: str) -> TeamView:
        return self.committed.teams[team_id].view
