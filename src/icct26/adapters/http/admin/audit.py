"""The audit trail of admin changes (admins only)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from icct26.adapters.http.admin.wire import AuditOut, audit_out
from icct26.adapters.http.auth import admin_guard
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.config import Settings
from icct26.domain.admin.views import MAX_PAGE_SIZE
from icct26.domain.errors import ErrorCode
from icct26.services.admin_users import AuditLogService


class AuditPage(msgspec.Struct):
    success: bool
    data: list[AuditOut]
    total: int
    page: int
    page_size: int


class AuditLogController(Controller):
    path = "/audit-log"
    tags = ["admin"]
    guards = [admin_guard]

    @get(
        "/",
        operation_id="adminAuditLog",
        summary="Audit entries, newest first",
        responses={
            200: ResponseSpec(
                generate_examples=False, data_container=AuditPage, description="One page of entries"
            ),
            **problem_responses(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, *REQUEST_ERRORS),
        },
    )
    async def audit_log(
        self,
        audit: NamedDependency[AuditLogService],
        settings: NamedDependency[Settings],
        page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> AuditPage:
        result = await audit.page(page, page_size)
        tz = settings.tournament.timezone
        return AuditPage(
            success=True,
            data=[audit_out(entry, tz) for entry in result.items],
            total=result.total,
            page=result.page,
            page_size=result.page_size,
        )
