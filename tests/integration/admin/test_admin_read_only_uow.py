"""Read-only units of work: no transaction around their statement, and the pool's connections keep
their transactions for every other unit of work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from icct26.adapters.db.admin_uow import SqlAdminUnitOfWork
from icct26.adapters.db.engine import Database

pytestmark = pytest.mark.asyncio


async def _server_transaction_open(uow: SqlAdminUnitOfWork) -> bool:
    raw: Any = await (await uow.session.connection()).get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # asyncpg's view of the server's state


async def test_a_read_only_unit_of_work_sends_no_begin_and_commits_nothing(database: Database) -> None:
    async with SqlAdminUnitOfWork(database, read_only=True) as uow:
        assert (await uow.session.execute(text("SELECT 1"))).scalar_one() == 1
        assert not await _server_transaction_open(uow)
        with pytest.raises(RuntimeError, match="nothing to commit"):
            await uow.commit()
    for _ in range(2):  # the same pooled connection, back in its default mode
        async with SqlAdminUnitOfWork(database) as uow:
            await uow.session.execute(text("SELECT 1"))
            assert await _server_transaction_open(uow)
