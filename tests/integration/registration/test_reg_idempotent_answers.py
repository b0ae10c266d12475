"""An idempotent answer recorded inside the transaction of the change it answers (`IdempotentAnswers`).

The change and its answer commit or roll back together; a request whose claim was taken over by a
later attempt cannot commit its change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.db.idempotency_repository import SqlIdempotencyStore
from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim
from icct26.services.idempotency import IdempotencyService, Replay

pytestmark = pytest.mark.asyncio
SCOPE = "POST /api/register/team"
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
CREATED = b'{"team_id":"ICCT-001"}'  # what a use case records: opaque to the store


async def claim(store: SqlIdempotencyStore, key: str, at: datetime, lease: timedelta) -> bool:
    return await store.claim(
        SCOPE, key, "fp", now=at, expires_at=at + timedelta(hours=24), stale_before=at - lease
    )


async def test_the_answer_commits_with_the_change_and_is_replayed(database: Database) -> None:
    store = SqlIdempotencyStore(database)
    assert await claim(store, "k1", T0, timedelta(minutes=5))
    async with SqlRegistrationUnitOfWork(database) as uow:
        await uow.answers.record(IdempotencyClaim(SCOPE, "k1", T0), CREATED)
        assert (await store.find(SCOPE, "k1", now=T0)).answer is None  # type: ignore[union-attr]
        await uow.commit()

    entry = await store.find(SCOPE, "k1", now=T0)
    assert entry is not None and entry.answer == CREATED
    service = IdempotencyService(
        store, ttl=timedelta(hours=24), wait_seconds=0, lease=timedelta(minutes=5), clock=lambda: T0
    )

    assert await service.begin(SCOPE, "k1", "fp") == Replay(CREATED)


async def test_a_rolled_back_change_leaves_no_answer(database: Database) -> None:
    store = SqlIdempotencyStore(database)
    assert await claim(store, "k1", T0, timedelta(minutes=5))
    async with SqlRegistrationUnitOfWork(database) as uow:
        await uow.answers.record(IdempotencyClaim(SCOPE, "k1", T0), CREATED)  # never committed

    entry = await store.find(SCOPE, "k1", now=T0)
    assert entry is not None and entry.answer is None


async def test_a_claim_taken_over_cannot_record_its_answer(database: Database) -> None:
    store = SqlIdempotencyStore(database)
    lease = timedelta(minutes=5)
    assert await claim(store, "k1", T0, lease)
    later = T0 + 2 * lease
    assert await claim(store, "k1", later, lease)  # the first request outlived its lease

    async with SqlRegistrationUnitOfWork(database) as uow:
        with pytest.raises(DomainError) as refused:
            await uow.answers.record(IdempotencyClaim(SCOPE, "k1", T0), CREATED)
    assert refused.value.code is ErrorCode.IDEMPOTENCY_IN_PROGRESS
    entry = await store.find(SCOPE, "k1", now=later)
    assert entry is not None and entry.answer is None  # still the later attempt's to answer
