"""AuthService with fakes: one answer for every failure, dummy work for unknown emails, rate limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from icct26.adapters.ratelimit.memory import MemoryRateLimiter
from icct26.domain.admin.users import AdminUser, StaffRole
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.auth import AuthService
from tests.fakes.admin import FakeAdminDatabase
from tests.fakes.passwords import FakePasswordHasher

pytestmark = pytest.mark.asyncio


USER = AdminUser(1, "admin@example.org", StaffRole.ADMIN, True, "hash:secret password")
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def service(
    *users: AdminUser, limit: int | None = None
) -> tuple[AuthService, FakePasswordHasher, FakeAdminDatabase]:
    passwords, db = FakePasswordHasher(), FakeAdminDatabase()
    for user in users:
        db.add_user(user)
    auth = AuthService(
        db.unit_of_work, passwords, MemoryRateLimiter(), login_limit_per_minute=limit, clock=lambda: NOW
    )
    return auth, passwords, db


async def test_login_normalises_email_and_records_the_time() -> None:
    auth, _, db = service(USER)
    user = await auth.login(" Admin@Example.ORG ", "secret password", "10.0.0.1")
    assert user.id == 1 and user.last_login_at == NOW and db.commits == 1
    assert db.committed.users[1].last_login_at == NOW


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
    auth, passwords, db = service(user)
    with pytest.raises(DomainError) as info:
        await auth.login(email, password, "10.0.0.1")
    assert info.value.code == ErrorCode.INVALID_CREDENTIALS
    assert info.value.message == "Email or password is incorrect"
    assert passwords.calls == expected_calls and db.commits == 0


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
