"""Reading the audit trail of admin changes (admins only)."""

from __future__ import annotations

from icct26.domain.admin.views import AuditView, Page
from icct26.services.admin_teams import UnitOfWorkFactory, check_page


class AuditLogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def page(self, page: int, page_size: int) -> Page[AuditView]:
        """Newest entries first."""
        check_page(page, page_size)
        async with self._uow() as uow:
            entries, total = await uow.audit_reader.page(page, page_size)
        return Page(entries, total, page, page_size)
