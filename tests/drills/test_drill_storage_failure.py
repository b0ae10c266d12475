"""Drill: document storage fails partway through a registration's files.

The real store runs behind a tripwire that sets off a real fault just before its Nth write: for
`local`, a directory squats where the half-written copy must go (the disk refuses the write, as a full
or read-only disk would — directory permissions cannot do it, tests may run as root); for `s3`, the
connection to the (moto) S3 service is cut. The client gets 503 STORAGE_UNAVAILABLE, no team row is
written, the key is free again, and the same request with the same key succeeds once storage is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio

from icct26.adapters.db.engine import Database
from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork
from icct26.bootstrap import Container
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import DocumentStore, FileToStore
from icct26.services.registration import RegistrationService
from tests.support.drills import (
    DOCUMENTS_PER_TEAM,
    bulky_form,
    drill_key,
    error_code,
    leftover_files,
    register_until_settled,
    run_sweep,
    store_matches_table,
    summary,
    team_rows,
    unreadable_documents,
)
from tests.support.moto_s3 import Moto
from tests.support.registration_forms import fetch, post_form, stored_keys
from tests.support.tcp_proxy import TcpProxy

T = TypeVar("T")

pytestmark = pytest.mark.asyncio
FAILING_PUT = 10  # nine documents are stored when the tenth write fails


class TripwireStore:
    """The real store; `fault(key)` runs once, just before the `nth` put. Everything but the puts goes
    straight to the real store."""

    def __init__(self, inner: DocumentStore, nth: int, fault: Callable[[str], Awaitable[None]]) -> None:
        self.inner = inner
        self.nth = nth
        self.fault = fault
        self.puts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        await self.put_files([FileToStore(key, source, content_type)])

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        for item in files:  # one at a time, each passed on as it came (sealed uploads stay sealed)
            self.puts += 1
            if self.puts == self.nth:
                await self.fault(item.key)
            await self.inner.put_files([item])


def register_through(container: Container, store: DocumentStore) -> None:
    """Registrations of this container's app go through `store` from now on."""
    container.registration = RegistrationService(
        unit_of_work=lambda: SqlRegistrationUnitOfWork(container.database),
        store=store,
        policy=container.registration.policy,
    )


async def assert_refused_and_nothing_kept(resp: httpx.Response, database: Database) -> None:
    assert resp.status_code == 503, resp.text
    assert error_code(resp) == "STORAGE_UNAVAILABLE"
    assert resp.headers["retry-after"]
    assert await team_rows(database) == []
    # 5xx answers are not kept: the key is free for the retry at once.
    assert await fetch(database, "SELECT key FROM idempotency_keys") == []


async def assert_registered_whole(resp: httpx.Response, database: Database, store: DocumentStore) -> None:
    assert resp.status_code == 201, resp.text
    assert resp.json()["team_id"] == "ICCT-001"
    [team] = await team_rows(database)
    assert team.documents == DOCUMENTS_PER_TEAM
    assert await unreadable_documents(database, store) == []
    assert await store_matches_table(database, store) == (set(), set())


async def test_local_disk_refusing_a_write_midway(
    container: Container, client: httpx.AsyncClient, database: Database, settings: Any
) -> None:
    store = container.storage
    squatters: list[Path] = []

    async def disk_refuses(key: str) -> None:
        # A directory where the document should go: the link (or the copy's final rename) fails.
        squatter = settings.runtime.data_path / "documents" / key
        squatter.mkdir(parents=True)
        squatters.append(squatter)

    tripwire = TripwireStore(store, FAILING_PUT, disk_refuses)
    register_through(container, tripwire)
    key, form = drill_key(1), bulky_form(1, 32 * 1024)

    resp = await post_form(client, form, key=key)

    assert tripwire.puts == FAILING_PUT
    await assert_refused_and_nothing_kept(resp, database)
    for squatter in squatters:  # the disk takes writes again
        squatter.rmdir()
    # The nine files stored before the failure were removed again; nothing half-written remains.
    assert await stored_keys(store) == set()
    assert leftover_files(settings.runtime.data_path) == []

    retry = await post_form(client, form, key=key)
    await assert_registered_whole(retry, database, store)


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with Moto.running() as server:
        yield server


@pytest_asyncio.fixture
async def s3_link(moto: Moto) -> AsyncIterator[TcpProxy]:
    """The application's only way to S3: a TCP link a test can cut (an outage) and restore."""
    proxy = TcpProxy(f"postgresql://127.0.0.1:{moto.port}/s3")  # a plain TCP proxy, any protocol
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.cut()


async def once_the_breaker_closes(call: Callable[[], Awaitable[T]], seconds: float = 10.0) -> T:
    """`call()`, retried while the storage breaker is still open after the outage (bounded)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            return await call()
        except DomainError as exc:
            if exc.code is not ErrorCode.STORAGE_UNAVAILABLE or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


class TestS3GoingAwayMidway:
    @pytest.fixture
    def settings_overrides(self, moto: Moto, s3_link: TcpProxy) -> dict[str, Any]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": moto.create_bucket(),
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_link.port}",
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "STORAGE_TIMEOUT_SECONDS": "5",
            "STORAGE_BREAKER_RESET_SECONDS": "1",
        }

    async def test_s3_going_away_midway(
        self,
        container: Container,
        client: httpx.AsyncClient,
        database: Database,
        database_url: str,
        settings: Any,
        settings_overrides: dict[str, Any],
        s3_link: TcpProxy,
    ) -> None:
        store = container.storage
        assert store.name == "s3"
        tripwire = TripwireStore(store, FAILING_PUT, lambda _key: s3_link.cut())
        register_through(container, tripwire)
        key, form = drill_key(1), bulky_form(1, 32 * 1024)

        resp = await post_form(client, form, key=key)

        assert tripwire.puts == FAILING_PUT
        await assert_refused_and_nothing_kept(resp, database)
        await s3_link.start()  # S3 is back
        # While S3 was down the nine stored files could not be deleted: the sweep's work.
        orphans = await once_the_breaker_closes(lambda: stored_keys(store))
        assert len(orphans) == FAILING_PUT - 1
        sweep = await run_sweep(database_url, settings.runtime.data_path, **settings_overrides)
        assert sweep.returncode == 0, sweep.stderr
        assert f"deleted {FAILING_PUT - 1} orphans" in sweep.stdout
        assert await stored_keys(store) == set()

        outcomes = await register_until_settled(client, form, key)  # the breaker may still be open
        assert outcomes[-1].response is not None, summary(outcomes)
        await assert_registered_whole(outcomes[-1].response, database, store)
