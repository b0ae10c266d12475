"""AuthService with fakes: one answer for every failure, dummy work for unknown emails, rate limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from icct26.adapters.ratelimit.memory import MemoryRateLimiter
from icct26.domain.admin.users import AdminUser, StaffRole
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.auth import AuthService

pytestmark = pytest.mark.asyncio


class FakePasswords:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def hash(self, password: str) -> str:
        return f"hash:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append("verify")
        return password_hash == f"hash:{password}"

    def verify_dummy(self, password: str) -> None:
        self.calls.append("dummy")

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class FakeUsers:
    def __init__(self, *users: AdminUser) -> None:
        self.users = {u.email: u for u in users}

    async def by_email(self, email: str) -> AdminUser | None:
        return self.users.get(email)

    async def get(self, user_id: int) -> AdminUser | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    async def update(self, user_id: int, **changes: Any) -> AdminUser:
        user = await self.get(user_id)
        assert user is not None
        updated = replace(user, last_login_at=changes.get("last_login_at"))
        self.users[user.email] = updated
        return updated


class FakeUow:
    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.commits = 0

    async def __aenter__(self) -> FakeUow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1


USER = AdminUser(1, "admin@example.org", StaffRole.ADMIN, True, "hash:secret password")
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def service(*users: AdminUser, limit: int | None = None) -> tuple[AuthService, FakePasswords, FakeUow]:
    passwords, uow = FakePasswords(), FakeUow(FakeUsers(*users))
    auth = AuthService(
        lambda: uow, passwords, MemoryRateLimiter(), login_limit_per_minute=limit, clock=lambda: NOW
    )  # type: ignore[arg-type]
    return auth, passwords, uow


async def test_login_normalises_email_and_records_the_time() -> None:
    auth, _, uow = service(USER)
    user = await auth.login(" Admin@Example.ORG ", "secret password", "10.0.0.1")
    assert user.id == 1 and user.last_login_at == NOW and uow.commits == 1


@pytest.mark.parametrize(
    ("user", "email", "password", "expected_calls"),
    [
        (USER, "admin@example.org", "wrong", ["verify"]),
        (USER, "nobody@example.org", "secret password", ["dummy"]),
        (replace(USER, is_active=False), "admin@example.org", "secret password", ["verify"]),
        (USER, "admin@example.org", "", []),
    ],
)
async def test_every_failure_is_the_same_error(
    user: AdminUser, email: str, password: str, expected_calls: list[str]
) -> None:
    auth, passwords, uow = service(user)
    with pytest.raises(DomainError) as info:
        await auth.login(email, password, "10.0.0.1")
    assert info.value.code == ErrorCode.INVALID_CREDENTIALS
    assert info.value.message == "Email or password is incorrect"
    assert passwords.calls == expected_calls and uow.commits == 0


async def test_attempts_are_limited_per_ip_and_email() -> None:
    auth, _, _ = service(USER, limit=2)
    for _ in range(2):
        with pytest.raises(DomainError):
            await auth.login("admin@example.org", "wrong", "10.0.0.1")
    with pytest.raises(DomainError) as info:
        await auth.login("admin@example.org", "secret password", "10.0.0.1")
    assert info.value.code == ErrorCode.RATE_LIMIT_EXCEEDED and info.value.retry_after == 60
    assert (await auth.login("admin@example.org", "secret password", "10.0.0.2")).id == 1


async def test_current_user_must_still_be_active() -> None:
    auth, _, _ = service(replace(USER, is_active=False))
    with pytest.raises(DomainError) as info:
        await auth.current_user(1)
    assert info.value.code == ErrorCode.UNAUTHORIZED
