"""Church administration on PostgreSQL: churches with their team counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import ChurchRecord, TeamRecord
from icct26.domain.admin.views import ChurchView
from icct26.domain.errors import DomainError, ErrorCode, NotFound
from icct26.domain.registration import ACTIVE_STATUSES

C, T = ChurchRecord, TeamRecord


def _with_counts() -> Select[*tuple[Any, ...]]:
    active_statuses = sorted(status.value for status in ACTIVE_STATUSES)
    active = func.count(T.id).filter(T.status.in_(active_statuses)).label("active_teams")
    return (
        select(C.id, C.name, C.key, C.max_teams, C.created_at, active, func.count(T.id).label("total_teams"))
        .outerjoin(T, T.church_id == C.id)
        .group_by(C.id)
    )


def _view(row: Row[Any]) -> ChurchView:
    return ChurchView(
        id=row.id,
        name=row.name,
        key=row.key,
        max_teams=row.max_teams,
        active_teams=int(row.active_teams),
        total_teams=int(row.total_teams),
        created_at=row.created_at,
    )


def _exists(name: str) -> DomainError:
    return DomainError(ErrorCode.CHURCH_EXISTS, f"A church named like {name!r} already exists")


def _not_found(church_id: int) -> NotFound:
    return NotFound(ErrorCode.CHURCH_NOT_FOUND, f"No church has id {church_id}")


class SqlChurchAdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_all(self, search: str | None = None) -> list[ChurchView]:
        stmt = _with_counts().order_by(C.name, C.id)
        if search:
            stmt = stmt.where(C.name.icontains(search, autoescape=True))
        return [_view(row) for row in await self._session.execute(stmt)]

    async def get(self, church_id: int) -> ChurchView | None:
        row = (await self._session.execute(_with_counts().where(C.id == church_id))).first()
        return None if row is None else _view(row)

    async def id_by_key(self, key: str) -> int | None:
        found = await self._session.scalar(select(C.id).where(C.key == key))
        return None if found is None else int(found)

    async def add(self, name: str, key: str, max_teams: int | None) -> ChurchView:
        record = ChurchRecord(name=name, key=key, max_teams=max_teams)
        self._session.add(record)
        try:
            await self._session.flush()
        except IntegrityError:  # a concurrent create (or registration) took the key
            raise _exists(name) from None
        return ChurchView(record.id, name, key, max_teams, 0, 0, record.created_at)

    async def update(self, church_id: int, name: str, key: str, max_teams: int | None) -> ChurchView:
        record = await self._session.get(ChurchRecord, church_id, with_for_update=True)
        if record is None:
            raise _not_found(church_id)
        record.name, record.key, record.max_teams = name, key, max_teams
        record.updated_at = datetime.now(UTC)
        try:
            await self._session.flush()
        except IntegrityError:
            raise _exists(name) from None
        view = await self.get(church_id)
        assert view is not None
        return view

    async def delete(self, church_id: int) -> None:
        try:
            await self._session.execute(delete(C).where(C.id == church_id))
        except IntegrityError:  # a team arrived since the check (teams.church_id is RESTRICT)
            raise DomainError(
                ErrorCode.CHURCH_IN_USE, "This church has registered teams and cannot be deleted"
            ) from None
