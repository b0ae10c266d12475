"""Church administration endpoints (reads for staff, changes for admins; every change audited)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import UNSET, Meta, UnsetType

from icct26.adapters.http.admin.wire import ChurchOut, church_out
from icct26.adapters.http.auth import actor_of
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses, success_response
from icct26.config import Settings
from icct26.domain.admin.views import ChurchView
from icct26.domain.errors import ErrorCode
from icct26.services.churches import ChurchAdminService, ChurchUpdate

C = ErrorCode
ChurchName = Annotated[str, Meta(max_length=200)]
MAX_ID = 2**63 - 1  # PostgreSQL bigint: a larger ID cannot exist, and must not reach a query
ChurchId = Annotated[int, Parameter(description="The church's numeric ID", ge=1, le=MAX_ID)]
WRITE_ERRORS = (C.UNAUTHORIZED, C.FORBIDDEN, *REQUEST_ERRORS)


class ChurchCreate(msgspec.Struct):
    name: ChurchName
    max_teams: int | None = None  # null: the tournament default (MAX_TEAMS_PER_CHURCH)


class ChurchChange(msgspec.Struct):
    """Only the members sent are changed; `max_teams: null` returns to the tournament default."""

    name: ChurchName | UnsetType = UNSET
    max_teams: int | UnsetType | None = UNSET


class ChurchListResponse(msgspec.Struct):
    success: bool
    data: list[ChurchOut]
    total: int


class ChurchResponse(msgspec.Struct):
    success: bool
    data: ChurchOut


class DeletedResponse(msgspec.Struct):
    success: bool
    message: str


class AdminChurchesController(Controller):
    path = "/churches"
    tags = ["admin"]

    def _out(self, church: ChurchView, settings: Settings) -> ChurchOut:
        return church_out(church, settings.registration.max_teams_per_church)

    @get(
        "/",
        operation_id="adminListChurches",
        summary="Every church with its active and total team counts",
        responses={
            **success_response(ChurchListResponse, "Churches by name"),
            **problem_responses(*WRITE_ERRORS),
        },
    )
    async def list_churches(
        self,
        church_admin: NamedDependency[ChurchAdminService],
        settings: NamedDependency[Settings],
        search: Annotated[str | None, Parameter(max_length=120)] = None,
    ) -> ChurchListResponse:
        churches = await church_admin.list_churches(search)
        data = [self._out(c, settings) for c in churches]
        return ChurchListResponse(success=True, data=data, total=len(data))

    @get(
        "/{church_id:int}",
        operation_id="adminGetChurch",
        summary="One church",
        responses={
            **success_response(ChurchResponse, "The church"),
            **problem_responses(*WRITE_ERRORS, C.CHURCH_NOT_FOUND),
        },
    )
    async def get_church(
        self,
        church_admin: NamedDependency[ChurchAdminService],
        settings: NamedDependency[Settings],
        church_id: ChurchId,
    ) -> ChurchResponse:
        church = await church_admin.get_church(church_id)
        return ChurchResponse(success=True, data=self._out(church, settings))

    @post(
        "/",
        operation_id="adminCreateChurch",
        summary="Add a church",
        status_code=HTTP_201_CREATED,
        responses={
            **success_response(ChurchResponse, "The new church", HTTP_201_CREATED),
            **problem_responses(*WRITE_ERRORS, C.CHURCH_EXISTS),
        },
    )
    async def create_church(
        self,
        request: Request[Any, Any, Any],
        church_admin: NamedDependency[ChurchAdminService],
        settings: NamedDependency[Settings],
        data: JSONBody[ChurchCreate],
    ) -> Response[ChurchResponse]:
        church = await church_admin.create_church(data.name, data.max_teams, actor_of(request))
        return Response(
            ChurchResponse(success=True, data=self._out(church, settings)),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"/admin/churches/{church.id}"},
        )

    @put(
        "/{church_id:int}",
        operation_id="adminUpdateChurch",
        summary="Rename a church or change its team limit",
        responses={
            **success_response(ChurchResponse, "The church now"),
            **problem_responses(*WRITE_ERRORS, C.CHURCH_NOT_FOUND, C.CHURCH_EXISTS),
        },
    )
    async def update_church(
        self,
        request: Request[Any, Any, Any],
        church_admin: NamedDependency[ChurchAdminService],
        settings: NamedDependency[Settings],
        church_id: ChurchId,
        data: JSONBody[ChurchChange],
    ) -> ChurchResponse:
        update = ChurchUpdate(
            name=None if isinstance(data.name, UnsetType) else data.name,
            set_max_teams=not isinstance(data.max_teams, UnsetType),
            max_teams=None if isinstance(data.max_teams, UnsetType) else data.max_teams,
        )
        church = await church_admin.update_church(church_id, update, actor_of(request))
        return ChurchResponse(success=True, data=self._out(church, settings))

    @delete(
        "/{church_id:int}",
        operation_id="adminDeleteChurch",
        summary="Delete a church that has no teams",
        status_code=200,
        responses={
            **success_response(DeletedResponse, "Deleted"),
            **problem_responses(*WRITE_ERRORS, C.CHURCH_NOT_FOUND, C.CHURCH_IN_USE),
        },
    )
    async def delete_church(
        self,
        request: Request[Any, Any, Any],
        church_admin: NamedDependency[ChurchAdminService],
        settings: NamedDependency[Settings],
        church_id: ChurchId,
    ) -> DeletedResponse:
        await church_admin.delete_church(church_id, actor_of(request))
        return DeletedResponse(success=True, message=f"Church {church_id} deleted")
