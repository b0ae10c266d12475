"""Database failures: which ones count as "unavailable", and the read-only retry policy."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.adapters.db.errors import DatabaseConnectTimeout, is_database_unavailable
from icct26.adapters.resilience import database_read_retry
from icct26.config import Settings
from tests.support.server import free_port
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.asyncio


def dead_database(settings: Settings) -> Database:
    return Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing", settings.database)


async def count_churches(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM churches"))).scalar_one())


async def test_refused_and_dropped_connections_are_unavailable_but_bad_sql_is_not(
    settings: Settings, database: Database
) -> None:
    dead = dead_database(settings)
    try:
        with pytest.raises(Exception) as refused:
            await count_churches(dead)
        assert is_database_unavailable(refused.value)
    finally:
        await dead.dispose()

    proxy = TcpProxy(database.url)
    await proxy.start()
    flaky = Database(proxy.url, settings.database)
    try:
        async with flaky.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await proxy.cut()
            with pytest.raises(Exception) as dropped:
                await conn.execute(text("SELECT 1"))
        assert is_database_unavailable(dropped.value)
    finally:
        await flaky.dispose(timeout=1)

    with pytest.raises(sa_exc.ProgrammingError) as bad_sql:
        async with database.session() as session:
            await session.execute(text("SELECT * FROM no_such_table"))
    assert not is_database_unavailable(bad_sql.value)


@pytest.mark.parametrize("settings_overrides", [{"DB_CONNECT_TIMEOUT_SECONDS": "0.5"}])
async def test_a_database_that_never_answers_is_unavailable_not_a_slow_request(settings: Settings) -> None:
    held: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    black_hole = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = black_hole.sockets[0].getsockname()[1]
    hung = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing", settings.database)
    try:
        with pytest.raises(DatabaseConnectTimeout) as caught:
            await count_churches(hung)
        assert is_database_unavailable(caught.value)
    finally:
        await hung.dispose(timeout=1)
        for writer in held:
            writer.close()
        black_hole.close()
        await black_hole.wait_closed()


async def test_read_only_calls_are_retried_until_the_database_answers(
    settings: Settings, database: Database
) -> None:
    dead = dead_database(settings)
    attempts: list[Database] = []

    async def read() -> int:
        target = dead if not attempts else database  # down on the first try, back on the second
        attempts.append(target)
        return await count_churches(target)

    try:
        assert await database_read_retry().call(read) == 0
    finally:
        await dead.dispose()
    assert attempts == [dead, database]


async def test_retries_give_up_with_the_original_error(settings: Settings) -> None:
    dead = dead_database(settings)
    calls = 0

    async def read() -> int:
        nonlocal calls
        calls += 1
        return await count_churches(dead)

    try:
        with pytest.raises(Exception) as failure:
            await database_read_retry().call(read)
    finally:
        await dead.dispose()
    assert calls == 3 and is_database_unavailable(failure.value)


async def test_errors_that_are_not_outages_are_not_retried(database: Database) -> None:
    calls = 0

    async def read() -> None:
        nonlocal calls
        calls += 1
        async with database.session() as session:
            await session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(sa_exc.ProgrammingError):
        await database_read_retry().call(read)
    assert calls == 1
