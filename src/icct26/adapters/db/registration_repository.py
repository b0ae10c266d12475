"""SQL side of registrations: team inserts, the gapless team-ID counter, public lists, document rows.

Records never leave this module; the use cases see the ports of `icct26.domain.registration.ports`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, text, true, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.churches import ACTIVE_STATUS_VALUES, SqlChurchRepository
from icct26.adapters.db.idempotency_repository import SqlIdempotentAnswers
from icct26.adapters.db.models import (
    ChurchRecord,
    DocumentRecord,
    GalleryImageRecord,
    PlayerRecord,
    TeamRecord,
)
from icct26.adapters.db.outbox import SqlOutboxWriter
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.adapters.db.waitlist_repository import SqlWaitingList
from icct26.domain.registration import LIVE_STATUSES, TeamStatus
from icct26.domain.registration.conflicts import duplicate_captain_email, duplicate_team
from icct26.domain.registration.ports import NewTeam, PublicTeam, PurgeableTeam, TeamStanding, TeamToAdd

LIVE_STATUS_VALUES = tuple(sorted(status.value for status in LIVE_STATUSES))
UNIQUE_ACTIVE_NAME = "uq_teams_active_name_per_church"
UNIQUE_ACTIVE_CAPTAIN_EMAIL = "uq_teams_active_captain_email"


def constraint_of(exc: IntegrityError) -> str:
    orig = exc.orig
    name = getattr(orig, "constraint_name", None) or getattr(
        getattr(orig, "__cause__", None), "constraint_name", None
    )
    return str(name or "")


# Built once, on the table (plain SQL to the session, no ORM steps): the three checks of a
# registration in one round trip, each backed by an index.
_TEAMS = cast(Table, TeamRecord.__table__)
_CHURCH_PK = bindparam("church_pk", type_=_TEAMS.c.church_id.type)


def _team_exists(*conditions: Any) -> Any:
    return select(_TEAMS.c.id).where(_TEAMS.c.status.in_(LIVE_STATUS_VALUES), *conditions).exists()


_STANDING = select(
    select(func.count())
    .select_from(_TEAMS)
    .where(_TEAMS.c.status.in_(ACTIVE_STATUS_VALUES), _TEAMS.c.church_id == _CHURCH_PK)
    .scalar_subquery()
    .label("active_teams"),
    _team_exists(_TEAMS.c.church_id == _CHURCH_PK, _TEAMS.c.name_key == bindparam("name_key")).label(
        "name_taken"
    ),
    _team_exists(_TEAMS.c.captain_email == bindparam("captain_email")).label("captain_email_taken"),
)
# A registration's rows in one statement: the prefix's counter bumped (or created), the team numbered
# from it, its players and its documents. The counter row stays locked until the commit and every
# registration queues for it, so the fewer round trips after taking it, the more registrations a
# second: as separate statements (bump, team, players, documents) the app's turns between them held
# the lock (under load, mostly waiting for a busy event loop), and registrations queued behind it.
# The IDs are formatted as `format_team_id` and `format_player_id` do (tests hold the two together).
_ADD_TEAM = text(
    """
WITH counter AS (
    INSERT INTO team_id_counters AS c (prefix, last_value, created_at, updated_at)
    VALUES (CAST(:prefix AS varchar), 1, now(), now())
    ON CONFLICT (prefix) DO UPDATE SET last_value = c.last_value + 1, updated_at = now()
    RETURNING last_value
), team AS (
    INSERT INTO teams (team_id, seq, name, name_key, church_id, captain_name, captain_phone,
        captain_email, captain_whatsapp, vice_name, vice_phone, vice_email, vice_whatsapp, status,
        submitted_at, waitlisted_at, created_at, updated_at)
    SELECT CAST(:prefix AS varchar) || '-'
            || lpad(last_value::text, greatest(3, length(last_value::text)), '0'),
        last_value, CAST(:name AS varchar), CAST(:name_key AS varchar), CAST(:church_id AS bigint),
        CAST(:captain_name AS varchar), CAST(:captain_phone AS varchar), CAST(:captain_email AS varchar),
        CAST(:captain_whatsapp AS varchar), CAST(:vice_name AS varchar), CAST(:vice_phone AS varchar),
        CAST(:vice_email AS varchar), CAST(:vice_whatsapp AS varchar), CAST(:status AS varchar),
        CAST(:submitted_at AS timestamptz), CAST(:waitlisted_at AS timestamptz), now(), now()
    FROM counter
    RETURNING id, seq, team_id
), player AS (
    INSERT INTO players (player_id, team_pk, position, name, role, created_at, updated_at)
    SELECT team.team_id || '-P' || lpad(p.position::text, 2, '0'), team.id, p.position, p.name, p.role,
        now(), now()
    FROM team, unnest(CAST(:positions AS integer[]), CAST(:player_names AS text[]),
        CAST(:roles AS text[])) AS p(position, name, role)
    RETURNING id, position
), document AS (
    INSERT INTO documents (team_pk, player_pk, kind, storage_key, content_type, extension, size_bytes,
        sha256, original_name, created_at, updated_at)
    SELECT team.id, player.id, d.kind, d.storage_key, d.content_type, d.extension, d.size_bytes,
        d.sha256, d.original_name, now(), now()
    FROM team
    CROSS JOIN unnest(CAST(:document_positions AS integer[]), CAST(:kinds AS text[]),
        CAST(:storage_keys AS text[]), CAST(:content_types AS text[]), CAST(:extensions AS text[]),
        CAST(:sizes AS bigint[]), CAST(:hashes AS text[]), CAST(:original_names AS text[]))
        AS d(position, kind, storage_key, content_type, extension, size_bytes, sha256, original_name)
    LEFT JOIN player ON player.position = d.position
)
SELECT id, seq FROM team
"""
)


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

    async def add(self, team: TeamToAdd) -> tuple[int, NewTeam]:
        draft = team.draft
        documents = team.documents
        values = {
            "prefix": team.prefix,
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
            "positions": [player.position for player in draft.players],
            "player_names": [player.name for player in draft.players],
            "roles": [player.role.value if player.role else None for player in draft.players],
            "document_positions": [doc.player_position for doc in documents],
            "kinds": [doc.kind.value for doc in documents],
            "storage_keys": [doc.storage_key for doc in documents],
            "content_types": [doc.content_type for doc in documents],
            "extensions": [doc.extension for doc in documents],
            "sizes": [doc.size for doc in documents],
            "hashes": [doc.sha256 for doc in documents],
            "original_names": [doc.original_name for doc in documents],
        }
        try:
            row = (await self._session.execute(_ADD_TEAM, values)).one()
        except IntegrityError as exc:
            # The partial unique indexes are the last word when two transactions raced past the checks.
            constraint = constraint_of(exc)
            if constraint == UNIQUE_ACTIVE_NAME:
                raise duplicate_team(draft.team_name) from None
            if constraint == UNIQUE_ACTIVE_CAPTAIN_EMAIL:
                raise duplicate_captain_email() from None
            raise
        return int(row.id), team.numbered(int(row.seq))

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
