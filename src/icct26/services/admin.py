"""The admin use cases, grouped so the composition root hands them out as one piece."""

from __future__ import annotations

from dataclasses import dataclass

from icct26.services.admin_teams import TeamReviewService
from icct26.services.admin_users import AdminUserService
from icct26.services.audit_log import AuditLogService
from icct26.services.auth import AuthService
from icct26.services.churches_admin import ChurchAdminService
from icct26.services.exports import ExportService


@dataclass(frozen=True, slots=True)
class AdminServices:
    auth: AuthService
    users: AdminUserService
    review: TeamReviewService
    churches: ChurchAdminService
    audit: AuditLogService
    exports: ExportService
