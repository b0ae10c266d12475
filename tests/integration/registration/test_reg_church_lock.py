"""A registration's church row: found or added, it is locked until the registration's transaction ends,
so registrations of one church are counted one after another (SPEC: teams per church)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from icct26.adapters.db.engine import Database
from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork

pytestmark = pytest.mark.asyncio

KEY, NAME = "csi immanuel church", "CSI Immanuel Church"
# What another registration of the same church runs to add (and lock) the row.
ADD_AGAIN = text(
    "INSERT INTO churches (name, key, created_at, updated_at) VALUES (:name, :key, now(), now()) "
    "ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id"
)


async def other_registration_waits(database: Database) -> bool:
    """Whether a second transaction adding the same church has to wait (gives up after 200 ms)."""
    async with database.engine.begin() as conn:
        await conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
        try:
            await conn.execute(ADD_AGAIN, {"name": NAME, "key": KEY})
        except DBAPIError as exc:
            if "lock timeout" not in str(exc.orig):
                raise
            return True
        return False


async def test_a_new_church_is_added_locked(database: Database) -> None:
    async with SqlRegistrationUnitOfWork(database) as uow:
        added = await uow.churches.add_and_lock(KEY, NAME)
        assert added.name == NAME
        assert await other_registration_waits(database)
        await uow.commit()
    assert not await other_registration_waits(database)  # released by the commit


async def test_a_church_added_meanwhile_is_returned_locked(database: Database) -> None:
    async with SqlRegistrationUnitOfWork(database) as uow:
        first = await uow.churches.add_and_lock(KEY, NAME)
        await uow.commit()
    async with SqlRegistrationUnitOfWork(database) as uow:
        again = await uow.churches.add_and_lock(KEY, "Csi Immanuel")  # another spelling, the same key
        assert again == first  # the existing row, its first name kept
        assert await other_registration_waits(database)
