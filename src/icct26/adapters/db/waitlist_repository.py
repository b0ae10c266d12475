"""The waiting list on PostgreSQL: the queue of waitlisted teams, room per church and in the
tournament, and the lock that serialises every change of the active set.

Every change of the active set (a team leaving, a promotion, a registration while the tournament has a
total limit) first takes one transaction-scoped advisory lock, then the church rows in id order: two
such events never interleave, so no limit is exceeded and no queue position is skipped.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.churches import ACTIVE_STATUS_VALUES
from icct26.adapters.db.models import ChurchRecord, TeamRecord
from icct26.domain.registration import TeamStatus
from icct26.domain.registration.lifecycle import Capacity, WaitingTeam
from icct26.domain.registration.ports import QueuedTeam

T, C = TeamRecord, ChurchRecord
# One key for "the set of active teams": an arbitrary constant, distinct from any other lock of the app.
ACTIVE_SET_LOCK = 0x1CC726_0001


class SqlWaitingList:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self) -> None:
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACTIVE_SET_LOCK})

    async def queue(self) -> list[QueuedTeam]:
        stmt = (
            select(
                T.id,
                T.church_id,
                T.team_id,
                T.name,
                C.name,
                T.captain_name,
                T.captain_email,
                T.captain_link_version,
            )
            .join(C, C.id == T.church_id)
            .where(T.status == TeamStatus.WAITLISTED.value)
            .order_by(T.seq)
        )
        return [
            QueuedTeam(WaitingTeam(row[0], row[1]), *row[2:])
            for row in (await self._session.execute(stmt)).all()
        ]

    async def capacity(
        self, church_pks: Collection[int], default_limit: int, max_total: int | None, *, lock: bool
    ) -> Capacity:
        wanted = sorted(set(church_pks))
        limits: dict[int, int] = {}
        if wanted:
            stmt = select(C.id, C.max_teams).where(C.id.in_(wanted)).order_by(C.id)
            rows = await self._session.execute(stmt.with_for_update() if lock else stmt)
            limits = {row.id: default_limit if row.max_teams is None else row.max_teams for row in rows}
        counts: dict[int, int] = {}
        if wanted:
            rows = await self._session.execute(
                select(T.church_id, func.count(T.id))
                .where(T.church_id.in_(wanted), T.status.in_(ACTIVE_STATUS_VALUES))
                .group_by(T.church_id)
            )
            counts = {int(church): int(n or 0) for church, n in rows.all()}
        total = await self.active_total() if max_total is not None else 0
        return Capacity(counts, limits, total, max_total)

    async def active_total(self) -> int:
        stmt = select(func.count(T.id)).where(T.status.in_(ACTIVE_STATUS_VALUES))
        return int((await self._session.execute(stmt)).scalar_one())

    async def promote(self, team_pk: int, at: datetime) -> None:
        await self._session.execute(
            update(T)
            .where(T.id == team_pk, T.status == TeamStatus.WAITLISTED.value)
            .values(
                status=TeamStatus.PENDING.value,
                status_reason=None,
                status_changed_at=at,
                status_changed_by="system",
                updated_at=datetime.now(UTC),
            )
            .execution_options(synchronize_session=False)
        )
