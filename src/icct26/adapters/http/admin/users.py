"""Staff account management: admins only, reads included (`admin_guard` on top of the router's)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta

from icct26.adapters.http.admin.wire import AdminUserOut, admin_user_out
from icct26.adapters.http.auth import actor_of, admin_guard
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses, success_response
from icct26.config import Settings
from icct26.domain.admin.users import PASSWORD_MAX_LENGTH, StaffRole
from icct26.domain.errors import ErrorCode
from icct26.services.admin_users import AdminUserService, UserChanges

C = ErrorCode
MAX_ID = 2**63 - 1  # PostgreSQL bigint: a larger ID cannot exist, and must not reach a query
UserId = Annotated[int, Parameter(description="The account's numeric ID", ge=1, le=MAX_ID)]
Password = Annotated[str, Meta(max_length=PASSWORD_MAX_LENGTH)]
RoleName = Literal["admin", "viewer"]
BASE_ERRORS = (C.UNAUTHORIZED, C.FORBIDDEN)
WRITE_ERRORS = (*BASE_ERRORS, *REQUEST_ERRORS)


class UserCreate(msgspec.Struct):
    email: Annotated[str, Meta(max_length=254)]
    password: Password
    role: RoleName = "viewer"


class UserChange(msgspec.Struct):
    role: RoleName | None = None
    is_active: bool | None = None
    password: Password | None = None


class UserListResponse(msgspec.Struct):
    success: bool
    data: list[AdminUserOut]


class UserResponse(msgspec.Struct):
    success: bool
    data: AdminUserOut


class UserDeleted(msgspec.Struct):
    success: bool
    message: str


class AdminUsersController(Controller):
    path = "/users"
    tags = ["admin"]
    guards = [admin_guard]

    @get(
        "/",
        operation_id="adminListUsers",
        summary="Staff accounts",
        responses={**success_response(UserListResponse, "Accounts by id"), **problem_responses(*BASE_ERRORS)},
    )
    async def list_users(
        self, settings: NamedDependency[Settings], users: NamedDependency[AdminUserService]
    ) -> UserListResponse:
        tz = settings.tournament.timezone
        accounts = await users.list_users()
        return UserListResponse(success=True, data=[admin_user_out(u, tz) for u in accounts])

    @get(
        "/{user_id:int}",
        operation_id="adminGetUser",
        summary="One staff account",
        responses={
            **success_response(UserResponse, "The account"),
            **problem_responses(*WRITE_ERRORS, C.USER_NOT_FOUND),
        },
    )
    async def get_user(
        self, users: NamedDependency[AdminUserService], settings: NamedDependency[Settings], user_id: UserId
    ) -> UserResponse:
        user = await users.get_user(user_id)
        return UserResponse(success=True, data=admin_user_out(user, settings.tournament.timezone))

    @post(
        "/",
        operation_id="adminCreateUser",
        summary="Create a staff account",
        status_code=HTTP_201_CREATED,
        responses={
            **success_response(UserResponse, "The new account", HTTP_201_CREATED),
            **problem_responses(*WRITE_ERRORS, C.USER_EXISTS),
        },
    )
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        users: NamedDependency[AdminUserService],
        settings: NamedDependency[Settings],
        data: JSONBody[UserCreate],
    ) -> Response[UserResponse]:
        user = await users.create_user(data.email, StaffRole(data.role), data.password, actor_of(request))
        return Response(
            UserResponse(success=True, data=admin_user_out(user, settings.tournament.timezone)),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"/admin/users/{user.id}"},
        )

    @put(
        "/{user_id:int}",
        operation_id="adminUpdateUser",
        summary="Change an account's role, active flag or password",
        description="Admins cannot demote, deactivate or delete themselves, nor the last active admin.",
        responses={
            **success_response(UserResponse, "The account now"),
            **problem_responses(*WRITE_ERRORS, C.USER_NOT_FOUND),
        },
    )
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        users: NamedDependency[AdminUserService],
        settings: NamedDependency[Settings],
        user_id: UserId,
        data: JSONBody[UserChange],
    ) -> UserResponse:
        changes = UserChanges(
            role=StaffRole(data.role) if data.role else None, is_active=data.is_active, password=data.password
        )
        user = await users.update_user(user_id, changes, actor_of(request))
        return UserResponse(success=True, data=admin_user_out(user, settings.tournament.timezone))

    @delete(
        "/{user_id:int}",
        operation_id="adminDeleteUser",
        summary="Delete a staff account",
        status_code=200,
        responses={
            **success_response(UserDeleted, "Deleted"),
            **problem_responses(*WRITE_ERRORS, C.USER_NOT_FOUND),
        },
    )
    async def delete_user(
        self, request: Request[Any, Any, Any], users: NamedDependency[AdminUserService], user_id: UserId
    ) -> UserDeleted:
        await users.delete_user(user_id, actor_of(request))
        return UserDeleted(success=True, message=f"Account {user_id} deleted")
