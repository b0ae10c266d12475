"""Bearer-token authentication for admin routes.

Tokens are JWTs signed with SECRET_KEY using HS256 only (the algorithm is pinned, so `none` or
RS/HS confusion tokens are rejected), with expiry. `staff_guard` goes on every admin router:
a `viewer` may only read (GET/HEAD); writes need the `admin` role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from icct26.adapters.http.dependencies import SERVICES_STATE_KEY
from icct26.adapters.http.middleware.rate_limit import client_ip
from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode

ALGORITHM = "HS256"
Role = Literal["admin", "viewer"]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    email: str
    role: Role
    token_version: int = 0  # the account's version when the token was issued (see AdminUser)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class TokenService:
    """Issues and verifies staff tokens. PyJWT loads on the first token, not at start: importing it
    loads `cryptography`'s asymmetric algorithms too (~9 MiB a worker), which HS256 never uses."""

    def __init__(self, secret_key: str, expiry_hours: float) -> None:
        self._secret = secret_key
        self.expiry = timedelta(hours=expiry_hours)

    def issue(self, principal: Principal, now: datetime | None = None) -> tuple[str, int]:
        """Return (token, seconds until expiry)."""
        import jwt

        issued = now or datetime.now(UTC)
        claims = {
            "sub": str(principal.user_id),
            "email": principal.email,
            "role": principal.role,
            "ver": principal.token_version,
            "iat": issued,
            "exp": issued + self.expiry,
            "iss": "icct26",
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), int(self.expiry.total_seconds())

    def verify(self, token: str) -> Principal:
        import jwt

        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer="icct26",
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError:
            raise DomainError(
                ErrorCode.UNAUTHORIZED, "Your session has expired; please log in again."
            ) from None
        except jwt.PyJWTError:
            raise DomainError(ErrorCode.UNAUTHORIZED, "The access token is not valid.") from None
        role = claims.get("role")
        if role not in ("admin", "viewer"):
            raise DomainError(ErrorCode.UNAUTHORIZED, "The access token is not valid.")
        version = claims.get("ver", 0)  # tokens issued before versions existed carry none: version 0
        if not isinstance(version, int) or isinstance(version, bool):
            raise DomainError(ErrorCode.UNAUTHORIZED, "The access token is not valid.")
        try:
            user_id = int(claims["sub"])
        except (TypeError, ValueError):  # signed by us, but not a token we issue
            raise DomainError(ErrorCode.UNAUTHORIZED, "The access token is not valid.") from None
        return Principal(
            user_id=user_id, email=str(claims.get("email", "")), role=role, token_version=version
        )


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_service_of(connection: ASGIConnection[Any, Any, Any, Any]) -> TokenService:
    service: TokenService = connection.app.state[SERVICES_STATE_KEY].tokens
    return service


async def optional_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The caller when a valid token of a current account is sent, else None (public routes with an
    admin view)."""
    if bearer_token(connection) is None:
        return None
    try:
        return await current_principal(connection)
    except DomainError:
        return None


def _remember(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> None:
    connection.scope["state"]["principal"] = principal
    connection.scope["state"]["actor"] = principal.email


def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    token = bearer_token(connection)
    if token is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "Log in as an organiser to use this endpoint.")
    principal = token_service_of(connection).verify(token)
    _remember(connection, principal)
    return principal


async def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The token's account as it is now: a deleted or deactivated account is refused at once, and so
    is a token issued before the account's password, role or active flag last changed."""
    token_holder = authenticate(connection)
    user = await connection.app.state[SERVICES_STATE_KEY].auth.current_user(
        token_holder.user_id, token_holder.token_version
    )
    principal = Principal(user_id=user.id, email=user.email, role=user.role, token_version=user.token_version)
    _remember(connection, principal)
    return principal


async def staff_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Router-level guard: any staff member may read; only admins may change anything."""
    principal = await current_principal(connection)
    if connection.scope.get("method", "GET") not in READ_METHODS and not principal.is_admin:
        raise DomainError(ErrorCode.FORBIDDEN, "Your role may only read; ask an admin to make changes.")


async def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """For reads that only admins may see (e.g. admin user management)."""
    principal = await current_principal(connection)
    if not principal.is_admin:
        raise DomainError(ErrorCode.FORBIDDEN, "Only admins may do this.")


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated caller inside a guarded handler."""
    principal = (connection.scope.get("state") or {}).get("principal")
    if not isinstance(principal, Principal):
        raise DomainError(ErrorCode.UNAUTHORIZED, "Log in as an organiser to use this endpoint.")
    return principal


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The audit actor for a guarded request: user, client IP and request id."""
    principal = principal_of(connection)
    state = connection.scope.get("state") or {}
    return Actor(
        user_id=principal.user_id,
        email=principal.email,
        ip=client_ip(connection.scope),
        request_id=state.get("request_id"),
    )
