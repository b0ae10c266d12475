"""The test suite's TRUNCATE between tests survives a process that still holds a table lock, as a
drill's long-running servers and workers do."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from tests.support.empty_database import empty_tables

pytestmark = pytest.mark.asyncio


async def test_emptying_is_retried_when_it_is_chosen_as_a_deadlock_victim(database: Database) -> None:
    async with database.engine.connect() as other:
        await other.execute(text("BEGIN"))
        # The other process holds the table TRUNCATE locks last ...
        await other.execute(text('LOCK TABLE "documents" IN ACCESS SHARE MODE'))
        emptying = asyncio.create_task(empty_tables(database.engine))
        await asyncio.sleep(0.3)  # ... TRUNCATE now holds the first tables and waits for it ...
        assert not emptying.done()
        # ... and then wants one TRUNCATE holds: PostgreSQL cancels the one that waited first.
        await other.execute(text('SELECT count(*) FROM "admin_users"'))
        await other.execute(text("COMMIT"))
    await asyncio.wait_for(emptying, timeout=30)
    async with database.engine.connect() as conn:
        assert (await conn.execute(text('SELECT count(*) FROM "admin_users"'))).scalar_one() == 0
