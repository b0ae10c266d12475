"""Engine, sessions and the probes health checks use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from loguru import logger
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from icct26.adapters.db.errors import DatabaseConnectTimeout
from icct26.config import DatabaseSettings


def _connect_or_report_outage(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
    """Open the DBAPI connection; a connect timeout becomes `DatabaseConnectTimeout` (an outage)."""
    try:
        return dialect.connect(*cargs, **cparams)
    except TimeoutError as exc:
        raise DatabaseConnectTimeout("timed out connecting to the database") from exc


def _ping_on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Check a pooled connection before use with one empty query. SQLAlchemy's `pool_pre_ping` wraps
    its asyncpg ping in BEGIN ... ROLLBACK: three round trips, two statements the server counts, on
    every checkout. A dead connection makes the pool replace it (DisconnectionError), as pre-ping did."""
    try:
        dbapi_connection.run_async(lambda connection: connection.fetchrow(";"))
    except Exception as exc:
        raise DisconnectionError("pooled database connection is gone") from exc


def to_async_url(url: str) -> str:
    """Accept plain `postgresql://` / `postgres://` URLs and select the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


class Database:
    """Owns the connection pool. Units of work borrow sessions from it."""

    def __init__(self, url: str, settings: DatabaseSettings) -> None:
        self.url = to_async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_seconds,
            pool_recycle=1800,
            connect_args={
                "timeout": settings.connect_timeout_seconds,
                "command_timeout": max(settings.statement_timeout_ms / 1000 + 5, 10),
                "server_settings": {
                    "statement_timeout": str(settings.statement_timeout_ms),
                    "lock_timeout": str(min(settings.statement_timeout_ms, 15_000)),
                    "application_name": "icct26",
                },
            },
        )
        event.listen(self.engine.sync_engine, "do_connect", _connect_or_report_outage)
        event.listen(self.engine.sync_engine.pool, "checkout", _ping_on_checkout)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Sessions for a read of one statement: no BEGIN and no ROLLBACK around it (two of a read's
        # four round trips; the connection is the same pool's, back in its default mode on return).
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not reachable" for health purposes
            return False

    async def schema_revisions(self, timeout: float = 2.0) -> set[str]:
        async with asyncio.timeout(timeout), self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return {r[0] for r in rows}

    async def dispose(self, timeout: float = 5.0) -> None:
        """Close the pool. Closing a connection waits for the server, so an unreachable database
        (e.g. a network partition) would hang shutdown: after `timeout` the pool is dropped instead."""
        try:
            async with asyncio.timeout(timeout):
                await self.engine.dispose()
        except TimeoutError:
            logger.warning("database pool did not close within {}s; dropping it", timeout)
            await self.engine.dispose(close=False)
