"""Document views in PostgreSQL: a batch is three statements (resolve its keys, its viewers' emails,
insert the rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import (
    AdminUserRecord,
    DocumentAccessRecord,
    DocumentRecord,
    PlayerRecord,
    TeamRecord,
)
from icct26.domain.document_access import DocumentAccessEntry, DocumentView

A, D = DocumentAccessRecord, DocumentRecord


class SqlDocumentAccessLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def append(self, views: Sequence[DocumentView]) -> None:
        if not views:
            return
        keys = sorted({view.storage_key for view in views})
        owners = (
            select(
                DocumentRecord.storage_key, DocumentRecord.kind, TeamRecord.team_id, PlayerRecord.player_id
            )
            .join(TeamRecord, TeamRecord.id == D.team_pk)
            .outerjoin(PlayerRecord, PlayerRecord.id == D.player_pk)
            .where(D.storage_key.in_(keys))
        )
        now = datetime.now(UTC)
        async with self._database.sessionmaker() as session, session.begin():
            found = {row.storage_key: row for row in (await session.execute(owners)).all()}
            viewer_ids = sorted({view.viewer_id for view in views if view.viewer_id is not None})
            emails: dict[int, str] = {}
            if viewer_ids:
                staff = select(AdminUserRecord.id, AdminUserRecord.email).where(
                    AdminUserRecord.id.in_(viewer_ids)
                )
                emails = {row.id: row.email for row in (await session.execute(staff)).all()}
            rows = []
            for view in views:
                owner = found.get(view.storage_key)
                rows.append(
                    {
                        "accessed_at": view.at,
                        "actor_id": view.viewer_id,
                        "actor_email": emails.get(view.viewer_id) if view.viewer_id is not None else None,
                        "storage_key": view.storage_key,
                        "document": owner.kind if owner else None,
                        "team_id": owner.team_id if owner else None,
                        "player_id": owner.player_id if owner else None,
                        "ip": view.ip,
                        "request_id": view.request_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(A), rows)

    async def page(
        self, team_id: str | None, page: int, page_size: int
    ) -> tuple[list[DocumentAccessEntry], int]:
        filters = [A.team_id == team_id] if team_id else []
        async with self._database.sessionmaker() as session:
            total = int((await session.execute(select(func.count(A.id)).where(*filters))).scalar_one())
            rows = await session.execute(
                select(A)
                .where(*filters)
                .order_by(A.accessed_at.desc(), A.id.desc())
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
            return [
                DocumentAccessEntry(
                    id=r.id,
                    at=r.accessed_at,
                    actor_id=r.actor_id,
                    actor_email=r.actor_email,
                    team_id=r.team_id,
                    player_id=r.player_id,
                    document=r.document,
                    ip=r.ip,
                    request_id=r.request_id,
                )
                for r in rows.scalars()
            ], total
