"""Staff accounts on PostgreSQL (`admin_users`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import AdminUserRecord
from icct26.domain.admin.errors import user_exists, user_not_found
from icct26.domain.admin.users import AdminUser, StaffRole


def _user(record: AdminUserRecord) -> AdminUser:
    return AdminUser(
        id=record.id,
        email=record.email,
        role=StaffRole(record.role),
        is_active=record.is_active,
        password_hash=record.password_hash,
        last_login_at=record.last_login_at,
        created_at=record.created_at,
        token_version=record.token_version,
    )


class SqlAdminUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_email(self, email: str) -> AdminUser | None:
        record = await self._session.scalar(select(AdminUserRecord).where(AdminUserRecord.email == email))
        return None if record is None else _user(record)

    async def get(self, user_id: int) -> AdminUser | None:
        record = await self._session.get(AdminUserRecord, user_id)
        return None if record is None else _user(record)

    async def list_all(self) -> list[AdminUser]:
        records = await self._session.scalars(select(AdminUserRecord).order_by(AdminUserRecord.id))
        return [_user(r) for r in records]

    async def add(self, email: str, role: StaffRole, password_hash: str) -> AdminUser:
        if await self.by_email(email) is not None:
            raise user_exists(email)
        record = AdminUserRecord(
            email=email, role=role.value, password_hash=password_hash, is_active=True, token_version=0
        )
        self._session.add(record)
        try:
            await self._session.flush()
        except IntegrityError:  # a concurrent create won the race
            raise user_exists(email) from None
        return _user(record)

    async def update(
        self,
        user_id: int,
        *,
        role: StaffRole | None = None,
        is_active: bool | None = None,
        password_hash: str | None = None,
        last_login_at: datetime | None = None,
        revoke_tokens: bool = False,
    ) -> AdminUser:
        record = await self._session.get(AdminUserRecord, user_id, with_for_update=True)
        if record is None:
            raise user_not_found(user_id)
        if role is not None:
            record.role = role.value
        if is_active is not None:
            record.is_active = is_active
        if password_hash is not None:
            record.password_hash = password_hash
        if last_login_at is not None:
            record.last_login_at = last_login_at
        if revoke_tokens:
            record.token_version += 1  # under the row lock taken above: concurrent changes both count
        record.updated_at = datetime.now(UTC)
        await self._session.flush()
        return _user(record)

    async def delete(self, user_id: int) -> None:
        await self._session.execute(delete(AdminUserRecord).where(AdminUserRecord.id == user_id))

    async def count_active_admins(self) -> int:
        count = await self._session.scalar(
            select(func.count(AdminUserRecord.id)).where(
                AdminUserRecord.role == StaffRole.ADMIN.value, AdminUserRecord.is_active.is_(True)
            )
        )
        return int(count or 0)
