"""Who viewed which document (admins only): every document served through a signed link."""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from icct26.adapters.http.auth import admin_guard
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses, success_response
from icct26.config import Settings
from icct26.domain.admin.views import MAX_PAGE_SIZE
from icct26.domain.document_access import DocumentAccessEntry
from icct26.domain.errors import ErrorCode
from icct26.services.document_access import DocumentAccessService


class DocumentAccessOut(msgspec.Struct):
    id: int
    at: str
    actor_id: int | None
    actor_email: str | None  # null for links minted before links named their viewer
    team_id: str | None
    player_id: str | None
    document: str | None  # pastor_letter | payment_receipt | group_photo | aadhar | subscription
    ip: str | None
    request_id: str | None


class DocumentAccessPage(msgspec.Struct):
    success: bool
    data: list[DocumentAccessOut]
    total: int
    page: int
    page_size: int


def document_access_out(entry: DocumentAccessEntry, tz: tzinfo) -> DocumentAccessOut:
    return DocumentAccessOut(
        id=entry.id,
        at=entry.at.astimezone(tz).isoformat(),
        actor_id=entry.actor_id,
        actor_email=entry.actor_email,
        team_id=entry.team_id,
        player_id=entry.player_id,
        document=entry.document,
        ip=entry.ip,
        request_id=entry.request_id,
    )


class DocumentAccessController(Controller):
    path = "/document-access"
    tags = ["admin"]
    guards = [admin_guard]
    dependencies = provide("document_access")

    @get(
        "/",
        operation_id="adminDocumentAccess",
        summary="Document views, newest first (admins only)",
        description="One entry per document served through a signed link: who the link was minted "
        "for, which team, player and document, when, from which IP and in which request. Views are "
        "written in batches, so one appears within about a second.",
        responses={
            **success_response(DocumentAccessPage, "One page of views"),
            **problem_responses(
                ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.VALIDATION_FAILED, *REQUEST_ERRORS
            ),
        },
    )
    async def document_access(
        self,
        document_access: NamedDependency[DocumentAccessService],
        settings: NamedDependency[Settings],
        team_id: Annotated[
            str | None, Parameter(description="Only this team's documents, e.g. ICCT-001", max_length=40)
        ] = None,
        page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 50,
    ) -> DocumentAccessPage:
        result = await document_access.page(team_id, page, page_size)
        return DocumentAccessPage(
            success=True,
            data=[document_access_out(entry, settings.tournament.timezone) for entry in result.items],
            total=result.total,
            page=result.page,
            page_size=result.page_size,
        )
