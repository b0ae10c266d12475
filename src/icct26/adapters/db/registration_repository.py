"""SQL side of registrations: team inserts, the gapless team-ID counter, public lists, document rows.

Records never leave this module; the use cases see the ports of `icct26.domain.registration.ports`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, true, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.churches import ACTIVE_STATUS_VALUES, SqlChurchRepository
from icct26.adapters.db.idempotency_repository import SqlIdempotentAnswers
from icct26.adapters.db.models import (
    ChurchRecord,
    DocumentRecord,
    GalleryImageRecord,
    PlayerRecord,
    TeamIdCounter,
    TeamRecord,
)
from icct26.adapters.db.outbox import SqlOutboxWriter
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.adapters.db.waitlist_repository import SqlWaitingList
from icct26.domain.registration import LIVE_STATUSES, TeamStatus
from icct26.domain.registration.conflicts import duplicate_captain_email, duplicate_team
from icct26.domain.registration.ports import NewTeam, PublicTeam, PurgeableTeam, TeamStanding

LIVE_STATUS_VALUES = tuple(sorted(status.value for status in LIVE_STATUSES))
UNIQUE_ACTIVE_NAME = "uq_teams_active_name_per_church"
UNIQUE_ACTIVE_CAPTAIN_EMAIL = "uq_teams_active_captain_email"


def constraint_of(exc: IntegrityError) -> str:
    orig = exc.orig
    name = getattr(orig, "constraint_name", None) or getattr(
        getattr(orig, "__cause__", None), "constraint_name", None
    )
    return str(name or "")


def _active() -> Any:
    return TeamRecord.status.in_(ACTIVE_STATUS_VALUES)


def _live() -> Any:
    return TeamRecord.status.in_(LIVE_STATUS_VALUES)


def _exists(*conditions: Any) -> Any:
    return select(TeamRecord.id).where(*conditions).exists()


# Built once: the three checks of a registration in one round trip (each backed by an index).
_STANDING = select(
    select(func.count())
    .select_from(TeamRecord)
    .where(_active(), TeamRecord.church_id == bindparam("church_pk"))
    .scalar_subquery()
    .label("active_teams"),
    _exists(
        _live(),
        TeamRecord.church_id == bindparam("church_pk"),
        TeamRecord.name_key == bindparam("name_key"),
    ).label("name_taken"),
    _exists(_live(), TeamRecord.captain_email == bindparam("captain_email")).label("captain_email_taken"),
)
# On the tables, not the mapped classes: one multi-row INSERT even when some values are NULL (the
# ORM's bulk insert would split the rows by which columns are NULL).
_TEAMS, _PLAYERS = cast(Table, TeamRecord.__table__), cast(Table, PlayerRecord.__table__)
_INSERT_TEAM = insert(_TEAMS).returning(_TEAMS.c.id)
_INSERT_PLAYERS = insert(_PLAYERS).returning(_PLAYERS.c.id, _PLAYERS.c.position)
_DOCUMENTS = cast(Table, DocumentRecord.__table__)
# Given a list of rows, an INSERT with RETURNING is sent as one multi-row statement ("insertmanyvalues")
# compiled once; rows put in the statement's VALUES instead make a new statement to compile every time
# (~5 ms of CPU for 25 documents), and without RETURNING asyncpg runs it once per row.
_INSERT_DOCUMENTS = insert(_DOCUMENTS).returning(_DOCUMENTS.c.id)


class SqlTeamRegistrations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def standing(self, church_pk: int | None, name_key: str, captain_email: str) -> TeamStanding:
        row = (
            await self._session.execute(
                _STANDING, {"church_pk": church_pk, "name_key": name_key, "captain_email": captain_email}
            )
        ).one()
        return TeamStanding(int(row.active_teams), bool(row.name_taken), bool(row.captain_email_taken))

    async def next_team_seq(self, prefix: str) -> int:
        now = datetime.now(UTC)
        bump = (
            update(TeamIdCounter)
            .where(TeamIdCounter.prefix == prefix)
            .values(last_value=TeamIdCounter.last_value + 1, updated_at=now)
            .returning(TeamIdCounter.last_value)
            .execution_options(synchronize_session=False)
        )
        value = (await self._session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value)
        first = (
            pg_insert(TeamIdCounter)
            .values(prefix=prefix, last_value=1, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[TeamIdCounter.prefix])
            .returning(TeamIdCounter.last_value)
        )
        value = (await self._session.execute(first)).scalar_one_or_none()
        if value is not None:
            return int(value)
        # Another transaction created the row first (we waited for its commit): bump that row.
        return int((await self._session.execute(bump)).scalar_one())

    async def add(self, team: NewTeam) -> int:
        # Core INSERTs (three statements, whatever the roster size): nothing here needs the ORM's
        # unit of work, and building 37 tracked objects per registration cost more than the SQL.
        draft = team.draft
        values = {
            "team_id": team.team_id,
            "seq": team.seq,
            "name": draft.team_name,
            "name_key": draft.team_name_key,
            "church_id": team.church_pk,
            "captain_name": draft.captain.name,
            "captain_phone": draft.captain.phone,
            "captain_email": draft.captain.email,
            "captain_whatsapp": draft.captain.whatsapp,
            "vice_name": draft.vice.name,
            "vice_phone": draft.vice.phone,
            "vice_email": draft.vice.email,
            "vice_whatsapp": draft.vice.whatsapp,
            "status": team.status.value,
            "submitted_at": team.submitted_at,
            "waitlisted_at": team.submitted_at if team.status == TeamStatus.WAITLISTED else None,
        }
        try:
            team_pk = int((await self._session.execute(_INSERT_TEAM, values)).scalar_one())
        except IntegrityError as exc:
            # The partial unique indexes are the last word when two transactions raced past the checks.
            constraint = constraint_of(exc)
            if constraint == UNIQUE_ACTIVE_NAME:
                raise duplicate_team(draft.team_name) from None
            if constraint == UNIQUE_ACTIVE_CAPTAIN_EMAIL:
                raise duplicate_captain_email() from None
            raise
        players = [
            {
                "player_id": player_id,
                "team_pk": team_pk,
                "position": player.position,
                "name": player.name,
                "role": player.role.value if player.role else None,
            }
            for player, player_id in zip(draft.players, team.player_ids, strict=True)
        ]
        inserted = await self._session.execute(_INSERT_PLAYERS, players)
        player_pks = {int(row.position): int(row.id) for row in inserted}
        documents = [
            {
                "team_pk": team_pk,
                "player_pk": player_pks[doc.player_position] if doc.player_position is not None else None,
                "kind": doc.kind.value,
                "storage_key": doc.storage_key,
                "content_type": doc.content_type,
                "extension": doc.extension,
                "size_bytes": doc.size,
                "sha256": doc.sha256,
                "original_name": doc.original_name,
            }
            for doc in team.documents
        ]
        if documents:
            await self._session.execute(_INSERT_DOCUMENTS, documents)
        return team_pk

    async def confirmed(self) -> list[PublicTeam]:
        player_count = (
            select(func.count(PlayerRecord.id))
            .where(PlayerRecord.team_pk == TeamRecord.id)
            .correlate(TeamRecord)
            .scalar_subquery()
        )
        stmt = (
            select(TeamRecord.team_id, TeamRecord.name, ChurchRecord.name.label("church"), player_count)
            .join(ChurchRecord, ChurchRecord.id == TeamRecord.church_id)
            .where(TeamRecord.status == TeamStatus.CONFIRMED.value)
            .order_by(TeamRecord.seq, TeamRecord.team_id)
        )
        rows = (await self._session.execute(stmt)).all()
        return [PublicTeam(row[0], row[1], row[2], int(row[3])) for row in rows]


class SqlDocumentRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def referenced(self, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        wanted = list(keys)
        stmt = union(
            select(DocumentRecord.storage_key).where(DocumentRecord.storage_key.in_(wanted)),
            select(GalleryImageRecord.storage_key).where(GalleryImageRecord.storage_key.in_(wanted)),
        )
        return set((await self._session.execute(stmt)).scalars())

    async def purgeable(self, rejected_before: datetime, *, every_team: bool = False) -> list[PurgeableTeam]:
        rejected_at = func.coalesce(TeamRecord.status_changed_at, TeamRecord.updated_at)
        due = (
            true()
            if every_team
            # Withdrawn teams are gone for good too: their documents follow the same retention.
            else TeamRecord.status.in_((TeamStatus.REJECTED.value, TeamStatus.WITHDRAWN.value))
            & (rejected_at < rejected_before)
        )
        stmt = (
            select(TeamRecord.id, TeamRecord.team_id, DocumentRecord.storage_key)
            .outerjoin(DocumentRecord, DocumentRecord.team_pk == TeamRecord.id)
            .where(TeamRecord.documents_purged_at.is_(None), due)
            .order_by(TeamRecord.id, DocumentRecord.id)
        )
        teams: dict[int, tuple[str, list[str]]] = {}
        for pk, team_id, key in (await self._session.execute(stmt)).all():
            keys = teams.setdefault(pk, (team_id, []))[1]
            if key is not None:
                keys.append(key)
        return [PurgeableTeam(pk, team_id, tuple(keys)) for pk, (team_id, keys) in teams.items()]

    async def keys_after(self, after_pk: int, limit: int) -> list[tuple[int, str]]:
        stmt = (
            select(DocumentRecord.id, DocumentRecord.storage_key)
            .where(DocumentRecord.id > after_pk)
            .order_by(DocumentRecord.id)
            .limit(limit)
        )
        return [(row.id, row.storage_key) for row in (await self._session.execute(stmt)).all()]

    async def count(self) -> int:
        return int((await self._session.execute(select(func.count(DocumentRecord.id)))).scalar_one())

    async def forget(self, team_pk: int, purged_at: datetime) -> None:
        await self._session.execute(
            delete(DocumentRecord)
            .where(DocumentRecord.team_pk == team_pk)
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(
            update(TeamRecord)
            .where(TeamRecord.id == team_pk)
            .values(documents_purged_at=purged_at)
            .execution_options(synchronize_session=False)
        )


class SqlRegistrationUnitOfWork(SqlUnitOfWork):
    """The registration transaction: churches, teams, documents, the email outbox and the request's
    idempotent answer on one session."""

    churches: SqlChurchRepository
    teams: SqlTeamRegistrations
    outbox: SqlOutboxWriter
    documents: SqlDocumentRecords
    answers: SqlIdempotentAnswers
    waitlist: SqlWaitingList

    def _bind(self, session: AsyncSession) -> None:
        self.churches = SqlChurchRepository(session)
        self.teams = SqlTeamRegistrations(session)
        self.outbox = SqlOutboxWriter(session)
        self.documents = SqlDocumentRecords(session)
        self.answers = SqlIdempotentAnswers(session)
        self.waitlist = SqlWaitingList(session)
