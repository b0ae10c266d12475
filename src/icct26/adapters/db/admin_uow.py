"""The unit of work of the admin use cases: every repository on one session and transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.admin_audit import SqlAuditReader
from icct26.adapters.db.admin_repository import SqlTeamReviewRepository
from icct26.adapters.db.admin_users import SqlAdminUserRepository
from icct26.adapters.db.audit import SqlAuditLog
from icct26.adapters.db.churches import SqlChurchAdminRepository
from icct26.adapters.db.outbox import SqlOutboxWriter
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.adapters.db.waitlist_repository import SqlWaitingList


class SqlAdminUnitOfWork(SqlUnitOfWork):
    teams: SqlTeamReviewRepository
    users: SqlAdminUserRepository
    churches: SqlChurchAdminRepository
    audit: SqlAuditLog
    audit_reader: SqlAuditReader
    outbox: SqlOutboxWriter
    waitlist: SqlWaitingList

    def _bind(self, session: AsyncSession) -> None:
        self.teams = SqlTeamReviewRepository(session)
        self.users = SqlAdminUserRepository(session)
        self.churches = SqlChurchAdminRepository(session)
        self.audit = SqlAuditLog(session)
        self.audit_reader = SqlAuditReader(session)
        self.outbox = SqlOutboxWriter(session)
        self.waitlist = SqlWaitingList(session)
