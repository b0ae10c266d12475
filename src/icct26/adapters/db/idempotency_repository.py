"""Idempotency keys in PostgreSQL, so every app process sees the same claims and answers.

Each method of the store is one statement in its own committed transaction: a claim must be visible
to the other processes before the request it guards starts working. `updated_at` of an unfinished
claim is its heartbeat: the process running the request renews it, and a claim left unrenewed past
the lease may be taken over (its process died, or could not release it while the database was down).
`SqlIdempotentAnswers` instead works inside a unit of work, so a request's change and its answer
commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import IdempotencyRecord
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim, IdempotencyEntry

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
_T = IdempotencyRecord
_TABLE = cast(Table, _T.__table__)
# The statements below are built once, on the table (plain SQL, no ORM steps per call), and name their
# parameters `b_...` to keep clear of the column names.
# The claim a request holds: `created_at` is the moment of the claim, and a takeover of an abandoned
# claim rewrites it, so the abandoned request can no longer renew, complete or release what is now
# someone else's.
_SAME_CLAIM = (
    _TABLE.c.scope == bindparam("b_scope"),
    _TABLE.c.key == bindparam("b_key"),
    _TABLE.c.state == IN_PROGRESS,
    _TABLE.c.created_at == bindparam("b_claimed_at", type_=_TABLE.c.created_at.type),
)
# A registration records its answer with this in its own transaction. The answer is opaque bytes (see
# IdempotencyEntry); the status and headers columns of rows written before it are no longer read.
_COMPLETION = (
    update(_TABLE)
    .where(*_SAME_CLAIM)
    .values(state=COMPLETED, response_status=None, response_headers=None, response_body=bindparam("b_answer"))
    .returning(_TABLE.c.id)
)
_RELEASE = delete(_TABLE).where(*_SAME_CLAIM)
# One row per held claim, sent as one executemany.
_RENEW = (
    update(_TABLE).where(*_SAME_CLAIM).values(updated_at=bindparam("b_now", type_=_TABLE.c.updated_at.type))
)


def _claim_params(scope: str, key: str, claimed_at: datetime) -> dict[str, Any]:
    return {"b_scope": scope, "b_key": key, "b_claimed_at": claimed_at}


def _completion_params(scope: str, key: str, answer: bytes, claimed_at: datetime) -> dict[str, Any]:
    return {**_claim_params(scope, key, claimed_at), "b_answer": answer}


def _claim_statement() -> Any:
    now = bindparam("now", type_=_T.created_at.type)
    insert = pg_insert(_T).values(
        scope=bindparam("scope"),
        key=bindparam("key"),
        fingerprint=bindparam("fingerprint"),
        state=IN_PROGRESS,
        expires_at=bindparam("expires_at"),
        created_at=now,
        updated_at=now,
    )
    return insert.on_conflict_do_update(
        index_elements=[_T.scope, _T.key],
        set_={
            "fingerprint": insert.excluded.fingerprint,
            "state": IN_PROGRESS,
            "response_status": None,
            "response_headers": None,
            "response_body": None,
            "expires_at": insert.excluded.expires_at,
            "created_at": insert.excluded.created_at,
            "updated_at": insert.excluded.updated_at,
        },
        # Only an expired entry or an abandoned claim (no heartbeat since `stale_before`) may be taken
        # over; a live one stays.
        where=or_(
            _T.expires_at <= now,
            and_(
                _T.state == IN_PROGRESS, _T.updated_at < bindparam("stale_before", type_=_T.updated_at.type)
            ),
        ),
    ).returning(_T.id)


_CLAIM = _claim_statement()  # built once: every request with a key runs it


class SqlIdempotentAnswers:
    """Records an answer in the caller's transaction (see `IdempotentAnswers`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, claim: IdempotencyClaim, answer: bytes) -> None:
        params = _completion_params(claim.scope, claim.key, answer, claim.claimed_at)
        if (await self._session.execute(_COMPLETION, params)).first() is None:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                "The same request is being processed by a later attempt; try again in a few seconds",
                retry_after=1,
            )


class SqlIdempotencyStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(
        self,
        scope: str,
        key: str,
        fingerprint: str,
        *,
        now: datetime,
        expires_at: datetime,
        stale_before: datetime,
    ) -> bool:
        params = {
            "scope": scope,
            "key": key,
            "fingerprint": fingerprint,
            "expires_at": expires_at,
            "now": now,
            "stale_before": stale_before,
        }
        # One statement, atomic by itself: run without BEGIN/COMMIT (two fewer round trips per write).
        async with self._database.engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return (await autocommit.execute(_CLAIM, params)).first() is not None

    async def renew(self, claims: Sequence[IdempotencyClaim], *, now: datetime) -> None:
        if not claims:
            return
        rows = [{**_claim_params(c.scope, c.key, c.claimed_at), "b_now": now} for c in claims]
        async with self._database.engine.begin() as conn:
            await conn.execute(_RENEW, rows)

    async def find(self, scope: str, key: str, *, now: datetime) -> IdempotencyEntry | None:
        stmt = select(_T.fingerprint, _T.state, _T.response_body).where(
            _T.scope == scope, _T.key == key, _T.expires_at > now
        )
        async with self._database.engine.connect() as conn:
            row = (await conn.execute(stmt)).one_or_none()
        if row is None:
            return None
        answer = bytes(row.response_body or b"") if row.state == COMPLETED else None
        return IdempotencyEntry(row.fingerprint, answer)

    async def complete(self, scope: str, key: str, answer: bytes, *, claimed_at: datetime) -> None:
        # A no-op when the request already recorded its answer in its own transaction.
        async with self._database.engine.begin() as conn:
            await conn.execute(_COMPLETION, _completion_params(scope, key, answer, claimed_at))

    async def release(self, scope: str, key: str, *, claimed_at: datetime) -> None:
        async with self._database.engine.begin() as conn:
            await conn.execute(_RELEASE, _claim_params(scope, key, claimed_at))

    async def purge_expired(self, *, now: datetime) -> int:
        async with self._database.engine.begin() as conn:
            result = await conn.execute(delete(_T).where(_T.expires_at <= now).returning(_T.id))
            return len(result.all())
