"""SQL side of the review loop and the waiting list: change requests, captain links, replaced
documents, overdue teams, and the queue of waitlisted teams.

The waiting list itself (queue, capacity, the active-set lock) is in `waitlist_repository.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from icct26.adapters.db.admin_repository import status_update
from icct26.adapters.db.admin_uow import SqlAdminUnitOfWork
from icct26.adapters.db.churches import ACTIVE_STATUS_VALUES
from icct26.adapters.db.models import ChurchRecord, DocumentRecord, PlayerRecord, TeamRecord
from icct26.domain.registration import DocumentKind, TeamStatus
from icct26.domain.registration.lifecycle import ReviewDocument, ReviewItem
from icct26.domain.registration.ports import (
    LifecycleTeam,
    PossibleDuplicate,
    RosterEntry,
    StoredDocument,
    StoredUpload,
)

T, C, P, D = TeamRecord, ChurchRecord, PlayerRecord, DocumentRecord


def items_to_json(items: Sequence[ReviewItem]) -> list[dict[str, Any]]:
    return [
        {
            "document": item.document.value,
            "player_id": item.player_id,
            "note": item.note,
            "answered_at": item.answered_at.isoformat() if item.answered_at else None,
        }
        for item in items
    ]


def items_from_json(raw: Sequence[dict[str, Any]] | None) -> list[ReviewItem]:
    return [
        ReviewItem(
            ReviewDocument(entry["document"]),
            entry.get("player_id"),
            entry.get("note", ""),
            datetime.fromisoformat(entry["answered_at"]) if entry.get("answered_at") else None,
        )
        for entry in raw or ()
    ]


_TEAM_COLUMNS = (
    T.id,
    T.team_id,
    T.name,
    T.church_id,
    C.name.label("church_name"),
    T.status,
    T.status_reason,
    T.captain_name,
    T.captain_email,
    T.review_items,
    T.review_deadline,
    T.captain_link_version,
)


class SqlTeamLifecycle:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _read(self, team_id: str, *, lock: bool) -> LifecycleTeam | None:
        stmt = select(*_TEAM_COLUMNS).join(C, C.id == T.church_id).where(T.team_id == team_id)
        if lock:
            stmt = stmt.with_for_update(of=T)
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        players = await self._session.execute(
            select(P.id, P.player_id, P.position, P.name, P.role)
            .where(P.team_pk == row.id)
            .order_by(P.position)
        )
        return LifecycleTeam(
            pk=row.id,
            team_id=row.team_id,
            name=row.name,
            church_pk=row.church_id,
            church_name=row.church_name,
            status=TeamStatus(row.status),
            status_reason=row.status_reason,
            captain_name=row.captain_name,
            captain_email=row.captain_email,
            review_items=items_from_json(row.review_items),
            review_deadline=row.review_deadline,
            link_version=row.captain_link_version,
            players=[RosterEntry(p.id, p.player_id, p.position, p.name, p.role) for p in players],
        )

    async def lock(self, team_id: str) -> LifecycleTeam | None:
        return await self._read(team_id, lock=True)

    async def find(self, team_id: str) -> LifecycleTeam | None:
        return await self._read(team_id, lock=False)

    async def review_of(self, team_id: str) -> tuple[int, list[ReviewItem], datetime | None] | None:
        stmt = select(T.id, T.review_items, T.review_deadline).where(T.team_id == team_id)
        row = (await self._session.execute(stmt)).first()
        return None if row is None else (row.id, items_from_json(row.review_items), row.review_deadline)

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
        await self._session.execute(
            status_update(team_pk, status, reason, at, by)
            .values(
                review_items=items_to_json(review_items) if review_items is not None else None,
                review_deadline=review_deadline,
            )
            .execution_options(synchronize_session=False)
        )

    async def save_review_items(self, team_pk: int, items: Sequence[ReviewItem]) -> None:
        await self._session.execute(
            update(T)
            .where(T.id == team_pk)
            .values(review_items=items_to_json(items), updated_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )

    async def bump_link_version(self, team_pk: int) -> int:
        stmt = (
            update(T)
            .where(T.id == team_pk)
            .values(captain_link_version=T.captain_link_version + 1, updated_at=datetime.now(UTC))
            .returning(T.captain_link_version)
            .execution_options(synchronize_session=False)
        )
        return int((await self._session.execute(stmt)).scalar_one())

    async def documents(self, team_pk: int) -> list[StoredDocument]:
        stmt = (
            select(
                D.kind,
                D.player_pk,
                P.player_id,
                D.storage_key,
                D.extension,
                D.sha256,
                D.updated_at,
                D.created_at,
                D.replaced_at,
            )
            .outerjoin(P, P.id == D.player_pk)
            .where(D.team_pk == team_pk)
            .order_by(func.coalesce(P.position, 0), D.kind)
        )
        return [
            StoredDocument(
                kind=DocumentKind(row.kind),
                player_pk=row.player_pk,
                player_id=row.player_id,
                storage_key=row.storage_key,
                extension=row.extension,
                sha256=row.sha256,
                uploaded_at=row.replaced_at or row.created_at,
                replaced_at=row.replaced_at,
            )
            for row in await self._session.execute(stmt)
        ]

    async def replace_document(
        self, team_pk: int, player_pk: int | None, upload: StoredUpload, at: datetime
    ) -> str | None:
        owner = D.player_pk == player_pk if player_pk is not None else D.player_pk.is_(None)
        where = and_(D.team_pk == team_pk, owner, D.kind == upload.kind.value)
        old = (await self._session.execute(select(D.storage_key).where(where).with_for_update())).scalar()
        values = {
            "storage_key": upload.storage_key,
            "content_type": upload.content_type,
            "extension": upload.extension,
            "size_bytes": upload.size,
            "sha256": upload.sha256,
            "original_name": upload.original_name,
            "updated_at": at,
        }
        if old is None:  # an optional document (group photo) that was never sent
            self._session.add(D(team_pk=team_pk, player_pk=player_pk, kind=upload.kind.value, **values))
            await self._session.flush()
            return None
        await self._session.execute(
            update(D)
            .where(where)
            .values(replaced_at=at, **values)
            .execution_options(synchronize_session=False)
        )
        return str(old)

    async def possible_duplicates(self, team_pk: int) -> list[PossibleDuplicate]:
        OD, OP, OT = aliased(D), aliased(P), aliased(T)
        stmt = (
            select(P.player_id, P.name, OT.team_id, OT.name, OP.player_id, OP.name)
            .select_from(D)
            .join(P, P.id == D.player_pk)
            .join(
                OD, and_(OD.sha256 == D.sha256, OD.kind == DocumentKind.AADHAR.value, OD.team_pk != team_pk)
            )
            .join(OP, OP.id == OD.player_pk)
            .join(OT, and_(OT.id == OD.team_pk, OT.status.in_(ACTIVE_STATUS_VALUES)))
            .where(D.team_pk == team_pk, D.kind == DocumentKind.AADHAR.value)
            .order_by(P.position, OT.seq, OP.position)
        )
        return [PossibleDuplicate(*row) for row in (await self._session.execute(stmt)).all()]

    async def overdue(self, now: datetime, limit: int) -> list[str]:
        stmt = (
            select(T.team_id)
            .where(T.status == TeamStatus.CHANGES_REQUESTED.value, T.review_deadline < now)
            .order_by(T.review_deadline)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def waitlisted_count(self, church_pk: int) -> int:
        stmt = select(func.count(T.id)).where(
            T.church_id == church_pk, T.status == TeamStatus.WAITLISTED.value
        )
        return int((await self._session.execute(stmt)).scalar_one())


class SqlLifecycleUnitOfWork(SqlAdminUnitOfWork):
    """The admin transaction plus the review loop's repositories on the same session."""

    lifecycle: SqlTeamLifecycle

    def _bind(self, session: AsyncSession) -> None:
        super()._bind(session)
        self.lifecycle = SqlTeamLifecycle(session)
