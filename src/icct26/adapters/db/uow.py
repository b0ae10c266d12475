"""SQLAlchemy unit of work: one session, one transaction, rolled back unless committed.

Each feature subclasses `SqlUnitOfWork` and builds its repositories in `_bind(session)`, so services
see only repository interfaces (domain ports) and `commit()`.
"""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.engine import Database


class SqlUnitOfWork:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    def _bind(self, session: AsyncSession) -> None:
        """Create repositories on `session` (override in feature units of work)."""

    async def __aenter__(self) -> Self:
        self._session = self._database.sessionmaker()
        await self._session.begin()
        self._bind(self._session)
        return self

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
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
