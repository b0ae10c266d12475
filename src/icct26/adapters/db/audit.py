"""SQL audit log: rows added to the caller's session (same transaction as the audited change)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import AuditRecord
from icct26.domain.audit import AuditEntry


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(self, entry: AuditEntry) -> None:
        after = dict(entry.after or {})
        if entry.extra:
            after = {**after, **entry.extra} if entry.after is not None else dict(entry.extra)
        self._session.add(
            AuditRecord(
                actor_id=entry.actor.user_id,
                actor_email=entry.actor.email,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                before=entry.before,
                after=after or None,
                reason=entry.reason,
                ip=entry.actor.ip,
                request_id=entry.actor.request_id,
            )
        )
