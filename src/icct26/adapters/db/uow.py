"""SQLAlchemy unit of work: one session, one transaction, rolled back unless committed.

Each feature subclasses `SqlUnitOfWork` and builds its repositories in `_bind(session)`, so services
see only repository interfaces (domain ports) and `commit()`. A read-only unit of work (a use case
that reads with one statement) runs outside a transaction: a connection check and the statement,
without a BEGIN and a ROLLBACK, round trips that cost the sending worker CPU (the 300-team admin list
and its staff guard spent ~10 % of their CPU on these two pairs).
"""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.engine import Database
from icct26.adapters.resilience import database_read_retry

# SPEC §4.2: a unit of work that cannot get its connection has sent nothing, so a transient outage
# (a dropped pooled connection, a restarting server) is retried there, and nowhere later.
_CHECKOUT = database_read_retry(attempts=2)


class SqlUnitOfWork:
    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    def _bind(self, session: AsyncSession) -> None:
        """Create repositories on `session` (override in feature units of work)."""

    async def __aenter__(self) -> Self:
        self._session = await _CHECKOUT.call(self._open)
        self._bind(self._session)
        return self

    async def _open(self) -> AsyncSession:
        session = (self._database.read_sessionmaker if self._read_only else self._database.sessionmaker)()
        try:
            await session.connection()  # check out and begin now, where a retry is still safe
        except BaseException:
            await session.close()
            raise
        return session

    async def __aexit__(self, *exc_info: object) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work has nothing to commit")
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
