"""The unit of work of the admin use cases: every repository on one session and transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.admin_audit import SqlAuditReader
from icct26.adapters.db.admin_churches import SqlChurchAdminRepository
from icct26.adapters.db.admin_repository import SqlTeamReviewRepository
from icct26.adapters.db.admin_users import SqlAdminUserRepository
from icct26.adapters.db.audit import SqlAuditLog
from icct26.adapters.db.outbox import enqueue_email
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.adapters.db.waitlist_repository import SqlWaitingList


class SqlEmailOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def enqueue(self, *, kind: str, recipient: str, team_pk: int | None, context: dict[str, Any]) -> None:
        enqueue_email(self._session, kind=kind, recipient=recipient, team_pk=team_pk, context=context)


class SqlAdminUnitOfWork(SqlUnitOfWork):
    teams: SqlTeamReviewRepository
    users: SqlAdminUserRepository
    churches: SqlChurchAdminRepository
    audit: SqlAuditLog
    audit_reader: SqlAuditReader
    outbox: SqlEmailOutbox
    waitlist: SqlWaitingList

    def _bind(self, session: AsyncSession) -> None:
        self.teams = SqlTeamReviewRepository(session)
        self.users = SqlAdminUserRepository(session)
        self.churches = SqlChurchAdminRepository(session)
        self.audit = SqlAuditLog(session)
        self.audit_reader = SqlAuditReader(session)
        self.outbox = SqlEmailOutbox(session)
        self.waitlist = SqlWaitingList(session)
