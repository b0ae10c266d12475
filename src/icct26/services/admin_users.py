"""Staff accounts (create, change role or password, deactivate, delete; audited) and reading the audit
trail of admin changes (admins only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from icct26.domain.admin.errors import user_not_found
from icct26.domain.admin.ports import AdminUnitOfWork, PasswordHasher
from icct26.domain.admin.users import AdminUser, StaffRole, check_password_policy
from icct26.domain.admin.views import AuditView, Page
from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import normalise_email, validate_field
from icct26.services.admin_teams import UnitOfWorkFactory, check_page


@dataclass(frozen=True, slots=True)
class UserChanges:
    role: StaffRole | None = None
    is_active: bool | None = None
    password: str | None = None


class AdminUserService:
    def __init__(self, uow: UnitOfWorkFactory, passwords: PasswordHasher) -> None:
        self._uow = uow
        self._passwords = passwords

    async def list_users(self) -> list[AdminUser]:
        async with self._uow() as uow:
            return await uow.users.list_all()

    async def get_user(self, user_id: int) -> AdminUser:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise user_not_found(user_id)
        return user

    async def create_user(self, email: str, role: StaffRole, password: str, actor: Actor) -> AdminUser:
        """USER_EXISTS when the email has an account; 422 for a bad email or short password."""
        email = validate_field("email", "Email", normalise_email, email)
        check_password_policy(password)
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        async with self._uow() as uow:
            user = await uow.users.add(email, role, password_hash)
            uow.audit.record(
                AuditEntry(actor, "admin_user.create", "admin_user", str(user.id), after=user.summary())
            )
            await uow.commit()
        return user

    async def update_user(self, user_id: int, changes: UserChanges, actor: Actor) -> AdminUser:
        if changes.password is not None:
            check_password_policy(changes.password)
        password_hash = (
            await asyncio.to_thread(self._passwords.hash, changes.password) if changes.password else None
        )
        async with self._uow() as uow:
            before = await uow.users.get(user_id)
            if before is None:
                raise user_not_found(user_id)
            loses_admin = (
                before.role == StaffRole.ADMIN
                and before.is_active
                and (changes.role == StaffRole.VIEWER or changes.is_active is False)
            )
            if loses_admin:
                await self._keep_an_admin(uow, before, actor)
            revoke = before.revoked_by(
                role=changes.role, is_active=changes.is_active, password_changed=password_hash is not None
            )
            user = await uow.users.update(
                user_id,
                role=changes.role,
                is_active=changes.is_active,
                password_hash=password_hash,
                revoke_tokens=revoke,
            )
            after: dict[str, object] = dict(user.summary())
            if password_hash is not None:
                after["password_changed"] = True
            if revoke:
                after["sessions_revoked"] = True
            uow.audit.record(
                AuditEntry(
                    actor,
                    "admin_user.update",
                    "admin_user",
                    str(user_id),
                    before=before.summary(),
                    after=after,
                )
            )
            await uow.commit()
        return user

    async def delete_user(self, user_id: int, actor: Actor) -> None:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise user_not_found(user_id)
            if user.role == StaffRole.ADMIN and user.is_active:
                await self._keep_an_admin(uow, user, actor)
            await uow.users.delete(user_id)
            uow.audit.record(
                AuditEntry(actor, "admin_user.delete", "admin_user", str(user_id), before=user.summary())
            )
            await uow.commit()

    @staticmethod
    async def _keep_an_admin(uow: AdminUnitOfWork, user: AdminUser, actor: Actor) -> None:
        """Admins cannot lock themselves out, and the last active admin stays an admin."""
        if actor.user_id == user.id:
            raise DomainError(
                ErrorCode.FORBIDDEN, "You cannot remove your own admin access; ask another admin"
            )
        if await uow.users.count_active_admins() <= 1:
            raise DomainError(ErrorCode.FORBIDDEN, "The last active admin cannot be removed or demoted")


class AuditLogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def page(self, page: int, page_size: int) -> Page[AuditView]:
        """Newest entries first."""
        check_page(page, page_size)
        async with self._uow() as uow:
            entries, total = await uow.audit_reader.page(page, page_size)
        return Page(entries, total, page, page_size)
