"""IdempotencyService over the PostgreSQL store: claims, replays, expiry, abandoned claims."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from icct26.adapters.db.engine import Database
from icct26.adapters.db.idempotency_repository import SqlIdempotencyStore
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim
from icct26.services.idempotency import IdempotencyService, Replay
from tests.support.registration_forms import fetch

pytestmark = pytest.mark.asyncio
SCOPE = "POST /api/register/team"
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def answer(status: int, body: bytes, headers: object = None) -> bytes:
    """An answer as the store keeps it: opaque bytes (here the status, then the body)."""
    return b"%d %s" % (status, body)


@dataclass(frozen=True)
class Result:
    response: bytes
    replayed: bool


async def execute(
    ids: IdempotencyService, scope: str, key: str, fingerprint: str, produce: Callable[[], Awaitable[bytes]]
) -> Result:
    """What the HTTP layer does around a request (middleware/idempotency.py): claim or replay, run,
    keep the answer unless it is a server error, let go of the key on a failure."""
    outcome = await ids.begin(scope, key, fingerprint)
    if isinstance(outcome, Replay):
        return Result(outcome.answer, True)
    try:
        response = await produce()
    except BaseException:
        await asyncio.shield(ids.abandon(outcome))
        raise
    if response.startswith(b"5"):
        await ids.abandon(outcome)
    else:
        await ids.finish(outcome, response)
    return Result(response, False)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def service(database: Database, clock: Clock, wait: float = 1.0) -> IdempotencyService:
    return IdempotencyService(
        SqlIdempotencyStore(database),
        ttl=timedelta(hours=24),
        wait_seconds=wait,
        lease=timedelta(minutes=5),
        poll_seconds=0.02,
        clock=clock,
    )


class Counter:
    def __init__(self, status: int = 201) -> None:
        self.calls = 0
        self.status = status

    async def __call__(self) -> bytes:
        self.calls += 1
        return answer(self.status, f'{{"n":{self.calls}}}'.encode(), {"content-type": "application/json"})


async def test_first_runs_repeats_replay(database: Database) -> None:
    ids = service(database, Clock())
    produce = Counter()
    first = await execute(ids, SCOPE, "k1", "fp", produce)
    second = await execute(ids, SCOPE, "k1", "fp", produce)
    assert (first.replayed, second.replayed) == (False, True)
    assert second.response == first.response == answer(201, b'{"n":1}', {"content-type": "application/json"})
    assert produce.calls == 1
    # Keys are per scope.
    other = await execute(ids, "PUT /admin/teams/ICCT-001/confirm", "k1", "fp", produce)
    assert other.replayed is False and produce.calls == 2


async def test_other_fingerprint_is_refused_even_while_running(database: Database) -> None:
    ids = service(database, Clock())
    gate = asyncio.Event()

    async def slow() -> bytes:
        await gate.wait()
        return answer(201, b"{}")

    running = asyncio.ensure_future(execute(ids, SCOPE, "k", "fp-a", slow))
    await asyncio.sleep(0.05)
    with pytest.raises(DomainError) as reused:
        await execute(ids, SCOPE, "k", "fp-b", Counter())
    assert reused.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED
    gate.set()
    await running


async def test_still_running_after_the_wait_is_in_progress(database: Database) -> None:
    ids = service(database, Clock(), wait=0.1)
    gate = asyncio.Event()

    async def slow() -> bytes:
        await gate.wait()
        return answer(201, b"{}")

    running = asyncio.ensure_future(execute(ids, SCOPE, "k", "fp", slow))
    await asyncio.sleep(0.05)
    with pytest.raises(DomainError) as busy:
        await execute(ids, SCOPE, "k", "fp", Counter())
    assert busy.value.code is ErrorCode.IDEMPOTENCY_IN_PROGRESS and busy.value.retry_after
    gate.set()
    assert (await running).replayed is False


@pytest.mark.parametrize("outcome", ["5xx", "exception", "cancelled"])
async def test_failures_release_the_key(database: Database, outcome: str) -> None:
    ids = service(database, Clock())

    async def fail() -> bytes:
        if outcome == "5xx":
            return answer(503, b"{}")
        if outcome == "exception":
            raise RuntimeError("boom")
        await asyncio.sleep(10)
        raise AssertionError("not reached")

    attempt = asyncio.ensure_future(execute(ids, SCOPE, "k", "fp", fail))
    if outcome == "5xx":
        assert (await attempt).response.startswith(b"503")
    else:
        if outcome == "cancelled":
            await asyncio.sleep(0.05)
            attempt.cancel()
        with pytest.raises((RuntimeError, asyncio.CancelledError)):
            await attempt
    await asyncio.sleep(0.05)  # the shielded release of a cancelled request finishes
    assert await fetch(database, "SELECT id FROM idempotency_keys") == []
    produce = Counter()
    retried = await execute(ids, SCOPE, "k", "fp", produce)
    assert retried.replayed is False and produce.calls == 1


async def test_expired_entries_are_ignored_and_purged(database: Database) -> None:
    clock = Clock()
    ids = service(database, clock)
    produce = Counter()
    await execute(ids, SCOPE, "old", "fp", produce)
    clock.now = T0 + timedelta(hours=25)
    again = await execute(ids, SCOPE, "old", "fp-new", produce)
    assert again.replayed is False and produce.calls == 2
    await execute(ids, SCOPE, "other", "fp", produce)
    clock.now = T0 + timedelta(hours=49)
    await execute(ids, SCOPE, "fresh", "fp", produce)
    assert await ids.purge_expired() == 2
    rows = await fetch(database, "SELECT key FROM idempotency_keys")
    assert [r.key for r in rows] == ["fresh"]


async def test_an_abandoned_claim_is_taken_over_after_the_lease(database: Database) -> None:
    clock = Clock()
    store = SqlIdempotencyStore(database)
    # A process claimed the key and died before answering.
    assert await store.claim(
        SCOPE, "k", "fp", now=T0, expires_at=T0 + timedelta(hours=24), stale_before=T0 - timedelta(minutes=5)
    )
    ids = service(database, clock, wait=0.05)
    with pytest.raises(DomainError) as busy:
        await execute(ids, SCOPE, "k", "fp", Counter())
    assert busy.value.code is ErrorCode.IDEMPOTENCY_IN_PROGRESS

    clock.now = T0 + timedelta(minutes=6)
    produce = Counter()
    taken = await execute(ids, SCOPE, "k", "fp", produce)
    assert taken.replayed is False and produce.calls == 1
    # The dead claim's owner can no longer overwrite or release the new answer.
    await store.complete(SCOPE, "k", answer(500, b"late"), claimed_at=T0)
    await store.release(SCOPE, "k", claimed_at=T0)
    replay = await execute(ids, SCOPE, "k", "fp", produce)
    assert replay.replayed is True and replay.response == answer(201, b'{"n":1}')


async def test_concurrent_claims_run_the_work_once(database: Database) -> None:
    ids = service(database, Clock(), wait=5)
    calls = 0

    async def work() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)
        return answer(201, b'{"ok":true}')

    results = await asyncio.gather(*(execute(ids, SCOPE, "same", "fp", work) for _ in range(10)))
    assert calls == 1
    assert sum(not r.replayed for r in results) == 1
    assert {r.response for r in results} == {answer(201, b'{"ok":true}')}


class FlakyStore(SqlIdempotencyStore):
    """The real store, with writes refused while `down` is set (what a database outage looks like)."""

    down = False

    async def _refuse(self) -> None:
        if self.down:
            raise ConnectionRefusedError("database is down")

    async def release(self, scope: str, key: str, *, claimed_at: datetime) -> None:
        await self._refuse()
        await super().release(scope, key, claimed_at=claimed_at)

    async def complete(self, scope: str, key: str, response: bytes, *, claimed_at: datetime) -> None:
        await self._refuse()
        await super().complete(scope, key, response, claimed_at=claimed_at)

    async def renew(self, claims: Sequence[IdempotencyClaim], *, now: datetime) -> None:
        await self._refuse()
        await super().renew(claims, now=now)


def live_service(
    store: SqlIdempotencyStore, *, wait: float, lease: float, beat: float | None = None
) -> IdempotencyService:
    return IdempotencyService(
        store,
        ttl=timedelta(hours=24),
        wait_seconds=wait,
        lease=timedelta(seconds=lease),
        renew_seconds=beat,
        poll_seconds=0.02,
    )


async def test_a_release_the_database_refused_is_written_once_it_is_back(database: Database) -> None:
    store = FlakyStore(database)
    # The lease alone would block retries for a minute: the beat's release is what frees the key.
    ids = live_service(store, wait=0.05, lease=60, beat=0.05)

    async def outage() -> bytes:
        store.down = True
        raise ConnectionResetError("connection lost mid-request")

    with pytest.raises(ConnectionResetError):
        await execute(ids, SCOPE, "k", "fp", outage)
    assert [r.state for r in await fetch(database, "SELECT state FROM idempotency_keys")] == ["in_progress"]

    store.down = False
    produce = Counter()
    codes: list[ErrorCode] = []
    result = None
    while result is None and len(codes) < 100:  # each try waits 0.05 s: the beat frees the key soon
        try:
            result = await execute(ids, SCOPE, "k", "fp", produce)
        except DomainError as busy:
            codes.append(busy.code)
    assert set(codes) <= {ErrorCode.IDEMPOTENCY_IN_PROGRESS}
    assert result is not None and result.replayed is False and produce.calls == 1
    await ids.close()


async def test_an_answer_the_database_refused_is_stored_later_and_replayed(database: Database) -> None:
    store = FlakyStore(database)
    ids = live_service(store, wait=5, lease=0.4)

    async def done_then_outage() -> bytes:
        store.down = True  # the change committed; storing its answer fails
        return answer(201, b'{"team_id":"ICCT-001"}')

    first = await execute(ids, SCOPE, "k", "fp", done_then_outage)
    assert first.response.startswith(b"201")
    await asyncio.sleep(1.0)  # an outage longer than the lease
    store.down = False
    await asyncio.sleep(0.3)  # a few beats: the answer is stored as soon as the database takes it
    produce = Counter()
    repeat = await execute(ids, SCOPE, "k", "fp", produce)
    assert repeat.replayed is True and repeat.response == answer(201, b'{"team_id":"ICCT-001"}')
    assert produce.calls == 0
    await ids.close()


async def test_a_running_request_keeps_its_claim_past_the_lease(database: Database) -> None:
    ids = live_service(SqlIdempotencyStore(database), wait=0.1, lease=0.3)
    started = asyncio.Event()
    calls = 0

    async def slow() -> bytes:
        nonlocal calls
        calls += 1
        started.set()
        await asyncio.sleep(2.0)
        return answer(201, b'{"ok":true}')

    first = asyncio.create_task(execute(ids, SCOPE, "k", "fp", slow))
    await started.wait()
    for _ in range(3):  # the last try comes more than four leases after the claim
        await asyncio.sleep(0.35)
        with pytest.raises(DomainError) as busy:
            await execute(ids, SCOPE, "k", "fp", slow)
        assert busy.value.code is ErrorCode.IDEMPOTENCY_IN_PROGRESS
    assert (await first).replayed is False
    assert calls == 1
    await ids.close()


async def test_a_claim_nobody_renews_is_taken_over_after_the_lease(database: Database) -> None:
    store = SqlIdempotencyStore(database)
    now = datetime.now(UTC)
    # A process claimed the key, then died (or lost the database) and never renewed it.
    assert await store.claim(
        SCOPE, "k", "fp", now=now, expires_at=now + timedelta(hours=24), stale_before=now - timedelta(hours=1)
    )
    ids = live_service(store, wait=3, lease=0.5)
    produce = Counter()
    result = await execute(ids, SCOPE, "k", "fp", produce)  # waits out the lease, within its wait
    assert result.replayed is False and produce.calls == 1
    await ids.close()
