"""The admin HTTP adapter: every route under /admin sits behind one router-level `staff_guard`."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader

from icct26.adapters.http.admin.audit import AuditLogController
from icct26.adapters.http.admin.churches import AdminChurchesController
from icct26.adapters.http.admin.document_access import DocumentAccessController
from icct26.adapters.http.admin.lifecycle import AdminLifecycleController
from icct26.adapters.http.admin.login import AuthController
from icct26.adapters.http.admin.teams import AdminPlayersController, AdminTeamsController
from icct26.adapters.http.admin.users import AdminUsersController
from icct26.adapters.http.admin_emails import AdminEmailsController
from icct26.adapters.http.auth import staff_guard
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import route_policy

__all__ = ["AuthController", "admin_router"]


def admin_router() -> Router:
    """A fresh router (one per app): staff may read, admins may change; responses are never cached;
    every change honours `Idempotency-Key`."""
    return Router(
        path="/admin",
        guards=[staff_guard],
        opt=route_policy(idempotent=True),
        dependencies=provide(
            "settings",
            "review",
            "review_list_cache",
            "exports",
            "church_admin",
            "users",
            "audit",
            "database",
            "outbox_worker",
            "lifecycle",
            "storage",
        ),
        cache_control=CacheControlHeader(no_store=True),
        security=[{"BearerToken": []}],
        tags=["admin"],
        route_handlers=[
            AdminTeamsController,
            AdminLifecycleController,
            AdminPlayersController,
            AdminChurchesController,
            AdminUsersController,
            AuditLogController,
            AdminEmailsController,
            DocumentAccessController,
        ],
    )
