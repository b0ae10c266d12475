"""Staff login (`POST /api/auth/login`) and the caller's account (`GET /api/auth/me`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from msgspec import Meta

from icct26.adapters.http.admin.wire import AdminUserOut, admin_user_out
from icct26.adapters.http.auth import Principal, TokenService, principal_of, staff_guard
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import LOGIN, route_policy
from icct26.adapters.http.middleware.rate_limit import (
    WINDOW_SECONDS,
    Quota,
    client_ip,
    policy_header,
    state_header,
)
from icct26.adapters.http.middleware.response_headers import add_response_headers
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.config import Settings
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.auth import AuthService

C = ErrorCode
NO_STORE = CacheControlHeader(no_store=True)


class LoginBody(msgspec.Struct):
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(max_length=1024)]


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    role: str


class MeResponse(msgspec.Struct):
    success: bool
    data: AdminUserOut


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]
    cache_control = NO_STORE
    dependencies = provide("auth", "tokens", "settings")

    @post(
        "/login",
        operation_id="login",
        summary="Exchange staff email and password for a bearer token",
        description="Limited per client IP and email (RATE_LIMIT_LOGIN_PER_MINUTE). Unknown email, wrong "
        "password and inactive account all answer INVALID_CREDENTIALS.",
        status_code=200,
        security=[],
        opt=route_policy(rate_limit=LOGIN),
        responses={
            200: ResponseSpec(generate_examples=False, data_container=TokenResponse, description="The token"),
            **problem_responses(C.INVALID_CREDENTIALS, *REQUEST_ERRORS),
        },
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        tokens: NamedDependency[TokenService],
        settings: NamedDependency[Settings],
        data: JSONBody[LoginBody],
    ) -> TokenResponse:
        # The login use case counts attempts per IP and email; its answers carry that policy.
        quota = Quota(LOGIN, settings.rate_limit.login_per_minute, "")
        if settings.rate_limit.enabled:
            add_response_headers(request.scope, [(b"ratelimit-policy", policy_header(quota))])
        try:
            user = await auth.login(data.email, data.password, client_ip(request.scope))
        except DomainError as refused:
            if refused.code is ErrorCode.RATE_LIMIT_EXCEEDED:
                state = state_header(quota, 0, refused.retry_after or WINDOW_SECONDS)
                add_response_headers(request.scope, [(b"ratelimit", state)])
            raise
        token, expires_in = tokens.issue(Principal(user.id, user.email, user.role.value, user.token_version))
        return TokenResponse(
            access_token=token, token_type="bearer", expires_in=expires_in, role=user.role.value
        )

    @get(
        "/me",
        operation_id="currentUser",
        summary="The account behind the bearer token",
        guards=[staff_guard],
        security=[{"BearerToken": []}],
        responses={
            200: ResponseSpec(generate_examples=False, data_container=MeResponse, description="The account"),
            **problem_responses(C.UNAUTHORIZED),
        },
    )
    async def me(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        settings: NamedDependency[Settings],
    ) -> MeResponse:
        user = await auth.current_user(principal_of(request).user_id)
        return MeResponse(success=True, data=admin_user_out(user, settings.tournament.timezone))
