"""Staff login: rate-limited, constant-ish time, and the same answer for every kind of failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from icct26.domain.admin.ports import PasswordHasher
from icct26.domain.admin.users import PASSWORD_MAX_LENGTH, AdminUser
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import RateLimiter
from icct26.services.admin_teams import UnitOfWorkFactory

LOGIN_WINDOW_SECONDS = 60


def _invalid() -> DomainError:
    return DomainError(ErrorCode.INVALID_CREDENTIALS, "Email or password is incorrect")


class AuthService:
    """Checks staff credentials. Issuing tokens is the HTTP adapter's job."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        passwords: PasswordHasher,
        limiter: RateLimiter,
        *,
        login_limit_per_minute: int | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow
        self._passwords = passwords
        self._limiter = limiter
        self._login_limit = login_limit_per_minute  # None: not limited (RATE_LIMIT_ENABLED=false)
        self._clock = clock

    async def login(self, email: str, password: str, client_ip: str | None) -> AdminUser:
        """The account for these credentials; INVALID_CREDENTIALS for unknown, wrong or inactive."""
        email = email.strip().lower()
        await self._check_rate(email, client_ip)
        if not email or not password or len(password) > PASSWORD_MAX_LENGTH:
            raise _invalid()
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
        if user is None:
            # Spend the same time as a real check, so response times do not reveal accounts.
            await asyncio.to_thread(self._passwords.verify_dummy, password)
            raise _invalid()
        if not await asyncio.to_thread(self._passwords.verify, user.password_hash, password):
            raise _invalid()
        if not user.is_active:
            raise _invalid()
        new_hash = None
        if self._passwords.needs_rehash(user.password_hash):
            new_hash = await asyncio.to_thread(self._passwords.hash, password)
        async with self._uow() as uow:
            user = await uow.users.update(user.id, last_login_at=self._clock(), password_hash=new_hash)
            await uow.commit()
        return user

    async def _check_rate(self, email: str, client_ip: str | None) -> None:
        if self._login_limit is None:
            return
        key = f"login:{client_ip or 'unknown'}:{email}"
        decision = await self._limiter.hit(key, self._login_limit, LOGIN_WINDOW_SECONDS)
        if not decision.allowed:
            raise DomainError(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                f"Too many login attempts; try again in {decision.reset_after} seconds",
                retry_after=decision.reset_after,
            )

    async def current_user(self, user_id: int, token_version: int | None = None) -> AdminUser:
        """The caller's account; a deleted or deactivated account is no longer authorised, nor is a
        token issued before the account's last password, role or active change (`token_version`)."""
        async with self._uow(read_only=True) as uow:  # every staff request asks: one statement
            user = await uow.users.get(user_id)
        if user is None or not user.is_active:
            raise DomainError(ErrorCode.UNAUTHORIZED, "This account no longer has access")
        if token_version is not None and token_version != user.token_version:
            raise DomainError(
                ErrorCode.UNAUTHORIZED, "Your access changed since this session began; please log in again."
            )
        return user
