"""Reading the audit log (writing is `SqlAuditLog`, inside each audited transaction)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import AuditRecord
from icct26.domain.admin.views import AuditView


class SqlAuditReader:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, page: int, page_size: int) -> tuple[list[AuditView], int]:
        total = int(await self._session.scalar(select(func.count(AuditRecord.id))) or 0)
        records = await self._session.scalars(
            select(AuditRecord)
            .order_by(AuditRecord.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return [
            AuditView(
                id=r.id,
                at=r.created_at,
                actor_id=r.actor_id,
                actor_email=r.actor_email,
                action=r.action,
                target_type=r.target_type,
                target_id=r.target_id,
                before=r.before,
                after=r.after,
                reason=r.reason,
                ip=r.ip,
                request_id=r.request_id,
            )
            for r in records
        ], total
