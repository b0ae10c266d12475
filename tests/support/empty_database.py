"""Emptying the test database between tests, while other processes may still be using it.

A drill keeps its servers and workers running for a whole module, so their polling queries can hold
a lock on one table while TRUNCATE holds another: PostgreSQL then breaks the deadlock by cancelling
one side, sometimes the TRUNCATE. Being cancelled that way is safe to retry, so it is retried.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from icct26.adapters.db.models import metadata, read_model_versions

# Every table but the read models' versions, whose rows the migrations create (TRUNCATE bumps them).
TABLES = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t is not read_model_versions)

_DEADLOCK_DETECTED = "40P01"


def _was_deadlock_victim(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == _DEADLOCK_DETECTED


async def empty_tables(engine: AsyncEngine) -> None:
    """TRUNCATE every table the application owns and restart their sequences."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_was_deadlock_victim),
        stop=stop_after_attempt(5),
        wait=wait_exponential(multiplier=0.05, max=1),
        reraise=True,
    ):
        with attempt:
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
