"""Churches on PostgreSQL: the row a registration locks, imports and team counts per church, and the
administration views (churches with their team counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import ChurchRecord, TeamRecord
from icct26.domain.admin.errors import church_exists, church_not_found
from icct26.domain.admin.views import ChurchView
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import ACTIVE_STATUSES, TeamStatus
from icct26.domain.registration.ports import ChurchSlot, ChurchTeamCount

ACTIVE_STATUS_VALUES = tuple(sorted(status.value for status in ACTIVE_STATUSES))
_CHURCHES = cast(Table, ChurchRecord.__table__)
# A registration's statements are built once, on the table rather than the mapped class: the session
# then runs them as plain SQL, without the ORM's per-call compile and row-loading steps.
_SLOT = (_CHURCHES.c.id, _CHURCHES.c.name, _CHURCHES.c.max_teams)
_FIND = select(*_SLOT).where(_CHURCHES.c.key == bindparam("key"))
_LOCK = _FIND.with_for_update()


def _add_and_lock() -> Any:
    """The church inserted, or (when another transaction added it meanwhile) the existing row: either
    way returned and locked by this one statement. The no-op update is what locks an existing row."""
    now = bindparam("now", type_=_CHURCHES.c.created_at.type)
    insert = pg_insert(_CHURCHES).values(
        key=bindparam("key"), name=bindparam("name"), created_at=now, updated_at=now
    )
    return insert.on_conflict_do_update(
        index_elements=[_CHURCHES.c.key], set_={"key": insert.excluded.key}
    ).returning(*_SLOT)


_ADD_AND_LOCK = _add_and_lock()
# Compiled once and given the rows as parameters (one multi-row statement per 1,000 rows): rows put
# in the statement's VALUES would make a new statement to compile on every registration of a new church.
_ADD_CHURCHES = (
    pg_insert(_CHURCHES).on_conflict_do_nothing(index_elements=[_CHURCHES.c.key]).returning(_CHURCHES.c.id)
)


class SqlChurchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, key: str) -> ChurchSlot | None:
        # The row lock serialises registrations of one church: the active-team count read next
        # cannot change until this transaction ends.
        row = (await self._session.execute(_LOCK, {"key": key})).one_or_none()
        return ChurchSlot(row.id, row.name, row.max_teams) if row else None

    async def add_and_lock(self, key: str, name: str) -> ChurchSlot:
        params = {"key": key, "name": name, "now": datetime.now(UTC)}
        row = (await self._session.execute(_ADD_AND_LOCK, params)).one()
        return ChurchSlot(row.id, row.name, row.max_teams)

    async def find(self, key: str) -> ChurchSlot | None:
        row = (await self._session.execute(_FIND, {"key": key})).one_or_none()
        return ChurchSlot(row.id, row.name, row.max_teams) if row else None

    async def add_many_if_missing(self, churches: Sequence[tuple[str, str]]) -> int:
        if not churches:
            return 0
        now = datetime.now(UTC)
        rows = [{"key": key, "name": name, "created_at": now, "updated_at": now} for key, name in churches]
        return len((await self._session.execute(_ADD_CHURCHES, rows)).all())

    async def team_counts(self) -> list[ChurchTeamCount]:
        active = func.count(TeamRecord.id).filter(TeamRecord.status.in_(ACTIVE_STATUS_VALUES))
        waiting = func.count(TeamRecord.id).filter(TeamRecord.status == TeamStatus.WAITLISTED.value)
        stmt = (
            select(
                ChurchRecord.name, ChurchRecord.max_teams, active.label("active"), waiting.label("waiting")
            )
            .outerjoin(TeamRecord, TeamRecord.church_id == ChurchRecord.id)
            .group_by(ChurchRecord.id)
            .order_by(ChurchRecord.name)
        )
        rows = (await self._session.execute(stmt)).all()
        return [ChurchTeamCount(row.name, row.max_teams, row.active, row.waiting) for row in rows]


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
            raise church_exists(name) from None
        return ChurchView(record.id, name, key, max_teams, 0, 0, record.created_at)

    async def update(self, church_id: int, name: str, key: str, max_teams: int | None) -> ChurchView:
        record = await self._session.get(ChurchRecord, church_id, with_for_update=True)
        if record is None:
            raise church_not_found(church_id)
        record.name, record.key, record.max_teams = name, key, max_teams
        record.updated_at = datetime.now(UTC)
        try:
            await self._session.flush()
        except IntegrityError:
            raise church_exists(name) from None
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
