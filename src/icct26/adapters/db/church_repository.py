"""SQL side of churches: the row a registration locks, imports, and team counts per church."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import ChurchRecord, TeamRecord
from icct26.domain.registration import ACTIVE_STATUSES, TeamStatus
from icct26.domain.registration.ports import ChurchSlot, ChurchTeamCount

ACTIVE_STATUS_VALUES = tuple(sorted(status.value for status in ACTIVE_STATUSES))
_SLOT_COLUMNS = (ChurchRecord.id, ChurchRecord.name, ChurchRecord.max_teams)


class SqlChurchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, key: str) -> ChurchSlot | None:
        # The row lock serialises registrations of one church: the active-team count read next
        # cannot change until this transaction ends.
        stmt = select(*_SLOT_COLUMNS).where(ChurchRecord.key == key).with_for_update()
        row = (await self._session.execute(stmt)).one_or_none()
        return ChurchSlot(row.id, row.name, row.max_teams) if row else None

    async def find(self, key: str) -> ChurchSlot | None:
        row = (
            await self._session.execute(select(*_SLOT_COLUMNS).where(ChurchRecord.key == key))
        ).one_or_none()
        return ChurchSlot(row.id, row.name, row.max_teams) if row else None

    async def add_if_missing(self, key: str, name: str) -> bool:
        return await self.add_many_if_missing([(key, name)]) == 1

    async def add_many_if_missing(self, churches: Sequence[tuple[str, str]]) -> int:
        if not churches:
            return 0
        now = datetime.now(UTC)
        rows = [{"key": key, "name": name, "created_at": now, "updated_at": now} for key, name in churches]
        stmt = (
            pg_insert(ChurchRecord)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[ChurchRecord.key])
            .returning(ChurchRecord.id)
        )
        return len((await self._session.execute(stmt)).all())

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
