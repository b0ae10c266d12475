"""DocumentMaintenance against in-memory fakes: the orphan sweep spares named and recent files, the
purge of rejected teams' documents retries whatever the store could not delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from icct26.domain.registration import TeamStatus
from icct26.services.documents import DocumentMaintenance
from tests.fakes.registration import FakeRegistrationDatabase
from tests.fakes.storage import FakeDocumentStore

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)
RETENTION = timedelta(days=30)


def housekeeping(db: FakeRegistrationDatabase, store: FakeDocumentStore) -> DocumentMaintenance:
    return DocumentMaintenance(
        unit_of_work=db.unit_of_work,
        store=store,
        orphan_grace=GRACE,
        rejected_retention=RETENTION,
        clock=lambda: NOW,
    )


async def put(store: FakeDocumentStore, key: str, at: datetime) -> None:
    store.now = at
    await store.put_bytes(key, b"%PDF-", "application/pdf")


@pytest.mark.asyncio
async def test_the_sweep_deletes_old_files_that_nothing_names() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    db.add_team(1, storage_keys=["teams/a/letter.pdf"])
    await put(store, "teams/a/letter.pdf", NOW - timedelta(days=2))  # named by a team
    await put(store, "teams/b/letter.pdf", NOW - timedelta(days=2))  # a failed registration's leftover
    await put(store, "teams/c/letter.pdf", NOW - timedelta(minutes=5))  # a registration still in flight

    report = await housekeeping(db, store).sweep_orphans()

    assert (report.scanned, report.deleted) == (3, 1)
    assert sorted(store.files) == ["teams/a/letter.pdf", "teams/c/letter.pdf"]


@pytest.mark.asyncio
async def test_the_purge_takes_the_files_of_teams_rejected_before_the_retention() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    old = db.add_team(
        1,
        TeamStatus.REJECTED,
        storage_keys=["old/1.pdf", "old/2.pdf"],
        status_changed_at=NOW - timedelta(days=31),
    )
    db.add_team(
        1, TeamStatus.REJECTED, storage_keys=["recent/1.pdf"], status_changed_at=NOW - timedelta(days=3)
    )
    db.add_team(1, TeamStatus.PENDING, storage_keys=["pending/1.pdf"])
    for key in ("old/1.pdf", "old/2.pdf", "recent/1.pdf", "pending/1.pdf"):
        await put(store, key, NOW - timedelta(days=40))

    report = await housekeeping(db, store).purge()
    again = await housekeeping(db, store).purge()

    assert (report.teams, report.files, report.failed_teams) == (1, 2, 0)
    assert sorted(store.files) == ["pending/1.pdf", "recent/1.pdf"]
    assert db.team(old).documents_purged
    assert (again.teams, again.files) == (0, 0)


@pytest.mark.asyncio
async def test_a_team_whose_files_could_not_be_deleted_is_purged_on_a_later_run() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    team = db.add_team(
        1, TeamStatus.REJECTED, storage_keys=["old/1.pdf"], status_changed_at=NOW - timedelta(days=31)
    )
    await put(store, "old/1.pdf", NOW - timedelta(days=40))
    store.failing_deletes = True

    failed = await housekeeping(db, store).purge()
    store.failing_deletes = False
    retried = await housekeeping(db, store).purge()

    assert (failed.teams, failed.failed_teams) == (0, 1)
    assert (retried.teams, retried.files) == (1, 1)
    assert store.files == {} and db.team(team).documents_purged
