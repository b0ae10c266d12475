"""AdminUserService against in-memory fakes: accounts are audited without their hash, and nobody can
lock the organisers out (no self-demotion, the last active admin stays)."""

from __future__ import annotations

import pytest

from icct26.domain.admin.users import AdminUser, StaffRole
from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.services.admin_users import AdminUserService, UserChanges
from tests.fakes.admin import FakeAdminDatabase
from tests.fakes.passwords import FakePasswordHasher
from tests.unit.services.expect import refusal

ADMIN = AdminUser(1, "admin@example.org", StaffRole.ADMIN, True, "hash:first password")
ACTING_ADMIN = Actor(1, "admin@example.org")
OTHER_ADMIN = Actor(9, "other@example.org")


@pytest.fixture
def db() -> FakeAdminDatabase:
    db = FakeAdminDatabase()
    db.add_user(ADMIN)
    return db


@pytest.fixture
def users(db: FakeAdminDatabase) -> AdminUserService:
    return AdminUserService(db.unit_of_work, FakePasswordHasher())


@pytest.mark.asyncio
async def test_a_new_account_stores_a_hash_and_audits_without_it(
    db: FakeAdminDatabase, users: AdminUserService
) -> None:
    user = await users.create_user(
        " Viewer@Example.org ", StaffRole.VIEWER, "a long passphrase", ACTING_ADMIN
    )

    assert (user.email, user.role, user.password_hash) == (
        "viewer@example.org",
        StaffRole.VIEWER,
        "hash:a long passphrase",
    )
    (entry,) = db.committed.audit
    assert (entry.action, entry.after) == (
        "admin_user.create",
        {"email": "viewer@example.org", "role": "viewer", "is_active": True},
    )


@pytest.mark.asyncio
async def test_an_email_has_one_account_and_a_password_has_a_minimum_length(
    db: FakeAdminDatabase, users: AdminUserService
) -> None:
    taken = await refusal(
        users.create_user("ADMIN@example.org", StaffRole.VIEWER, "a long passphrase", ACTING_ADMIN)
    )
    short = await refusal(users.create_user("new@example.org", StaffRole.VIEWER, "short", ACTING_ADMIN))

    assert taken.code is ErrorCode.USER_EXISTS
    assert [(e.field, e.code) for e in short.errors] == [("password", "too_short")]
    assert list(db.committed.users) == [1] and db.committed.audit == []


@pytest.mark.asyncio
async def test_an_admin_cannot_demote_or_delete_themselves(
    db: FakeAdminDatabase, users: AdminUserService
) -> None:
    db.add_user(AdminUser(2, "second@example.org", StaffRole.ADMIN, True, "hash:x"))

    demote = await refusal(users.update_user(1, UserChanges(role=StaffRole.VIEWER), ACTING_ADMIN))
    delete = await refusal(users.delete_user(1, ACTING_ADMIN))

    assert (demote.code, delete.code) == (ErrorCode.FORBIDDEN, ErrorCode.FORBIDDEN)
    assert db.committed.users[1] == ADMIN


@pytest.mark.asyncio
async def test_the_last_active_admin_stays_an_admin(db: FakeAdminDatabase, users: AdminUserService) -> None:
    deactivate = await refusal(users.update_user(1, UserChanges(is_active=False), OTHER_ADMIN))
    delete = await refusal(users.delete_user(1, OTHER_ADMIN))
    db.add_user(AdminUser(2, "second@example.org", StaffRole.ADMIN, True, "hash:x"))

    demoted = await users.update_user(1, UserChanges(role=StaffRole.VIEWER), OTHER_ADMIN)

    assert (deactivate.code, delete.code) == (ErrorCode.FORBIDDEN, ErrorCode.FORBIDDEN)
    assert demoted.role is StaffRole.VIEWER
    (entry,) = db.committed.audit
    assert entry.before == {"email": "admin@example.org", "role": "admin", "is_active": True}


@pytest.mark.asyncio
async def test_a_password_change_is_audited_as_a_flag_only(
    db: FakeAdminDatabase, users: AdminUserService
) -> None:
    changed = await users.update_user(1, UserChanges(password="another long one"), OTHER_ADMIN)

    assert changed.password_hash == "hash:another long one"
    (entry,) = db.committed.audit
    assert entry.after == {
        "email": "admin@example.org",
        "role": "admin",
        "is_active": True,
        "password_changed": True,
        "sessions_revoked": True,  # a new password ends the account's sessions
    }


@pytest.mark.asyncio
async def test_unknown_accounts_are_not_found(users: AdminUserService) -> None:
    assert (await refusal(users.get_user(7))).code is ErrorCode.USER_NOT_FOUND
    assert (await refusal(users.update_user(7, UserChanges(), OTHER_ADMIN))).code is ErrorCode.USER_NOT_FOUND
    assert (await refusal(users.delete_user(7, OTHER_ADMIN))).code is ErrorCode.USER_NOT_FOUND
