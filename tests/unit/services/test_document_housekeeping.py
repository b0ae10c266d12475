"""DocumentMaintenance against in-memory fakes: the orphan sweep spares named and recent files, the
purge of rejected and withdrawn teams' documents retries whatever the store could not delete, every team's
documents go once the retention after the tournament has passed, and re-encryption walks every
document, counting what it rewrote and what failed."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

import pytest

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.services.documents import DocumentMaintenance, ReencryptProgress
from tests.fakes.registration import FakeRegistrationDatabase
from tests.fakes.storage import FakeDocumentStore

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)
RETENTION = timedelta(days=30)


def housekeeping(
    db: FakeRegistrationDatabase,
    store: FakeDocumentStore,
    *,
    documents_expire_at: datetime | None = None,
    resealer: FakeResealer | None = None,
) -> DocumentMaintenance:
    return DocumentMaintenance(
        unit_of_work=db.unit_of_work,
        store=store,
        orphan_grace=GRACE,
        rejected_retention=RETENTION,
        documents_expire_at=documents_expire_at,
        resealer=resealer,
        clock=lambda: NOW,
    )


class FakeResealer:
    """Rewrites the keys in `stale`, refuses the keys in `damaged`; `during` runs inside a rewrite."""

    def __init__(self, stale: Collection[str], damaged: Collection[str] = ()) -> None:
        self.stale, self.damaged = set(stale), set(damaged)
        self.asked: list[str] = []
        self.during: dict[str, Callable[[], None]] = {}

    async def reencrypt(self, key: str) -> bool:
        self.asked.append(key)
        if key in self.damaged:
            raise DomainError(ErrorCode.DOCUMENT_NOT_FOUND, f"{key} fails verification")
        if key in self.during:
            self.during[key]()
        return key in self.stale


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
async def test_the_purge_takes_the_files_of_teams_rejected_or_withdrawn_before_the_retention() -> None:
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
    gone = db.add_team(
        1, TeamStatus.WITHDRAWN, storage_keys=["gone/1.pdf"], status_changed_at=NOW - timedelta(days=31)
    )
    db.add_team(1, TeamStatus.PENDING, storage_keys=["pending/1.pdf"])
    db.add_team(
        1,
        TeamStatus.CHANGES_REQUESTED,
        storage_keys=["asked/1.pdf"],
        status_changed_at=NOW - timedelta(days=31),
    )
    for key in ("old/1.pdf", "old/2.pdf", "recent/1.pdf", "gone/1.pdf", "pending/1.pdf", "asked/1.pdf"):
        await put(store, key, NOW - timedelta(days=40))

    report = await housekeeping(db, store).purge()
    again = await housekeeping(db, store).purge()

    assert (report.teams, report.files, report.failed_teams) == (2, 3, 0)
    assert sorted(store.files) == ["asked/1.pdf", "pending/1.pdf", "recent/1.pdf"]
    assert db.team(old).documents_purged and db.team(gone).documents_purged
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


@pytest.mark.asyncio
async def test_after_the_retention_every_team_loses_its_documents_once() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    teams = [
        db.add_team(1, TeamStatus.CONFIRMED, storage_keys=["a/1.pdf", "a/2.pdf"]),
        db.add_team(1, TeamStatus.PENDING, storage_keys=["b/1.pdf"]),
        db.add_team(1, TeamStatus.WAITLISTED, storage_keys=["c/1.pdf"]),
        db.add_team(1, TeamStatus.WITHDRAWN, storage_keys=["d/1.pdf"], status_changed_at=NOW),
    ]
    for key in ("a/1.pdf", "a/2.pdf", "b/1.pdf", "c/1.pdf", "d/1.pdf"):
        await put(store, key, NOW - timedelta(days=40))

    before = await housekeeping(db, store, documents_expire_at=NOW + timedelta(days=1)).purge()
    report = await housekeeping(db, store, documents_expire_at=NOW).purge()
    again = await housekeeping(db, store, documents_expire_at=NOW).purge()

    assert (before.teams, before.every_team) == (0, False)
    assert (report.teams, report.files, report.failed_teams, report.every_team) == (4, 5, 0, True)
    assert store.files == {} and all(db.team(team).documents_purged for team in teams)
    assert (again.teams, again.files) == (0, 0)


@pytest.mark.asyncio
async def test_reencrypt_visits_every_document_and_counts_rewrites_and_failures() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    db.add_team(1, storage_keys=["a/1.pdf", "a/2.pdf"])
    db.add_team(1, storage_keys=["b/1.pdf"])
    resealer = FakeResealer(stale={"a/1.pdf", "b/1.pdf"}, damaged={"a/2.pdf"})
    progress: list[ReencryptProgress] = []

    report = await housekeeping(db, store, resealer=resealer).reencrypt(progress.append)

    assert resealer.asked == ["a/1.pdf", "a/2.pdf", "b/1.pdf"]
    assert (report.checked, report.rewritten, report.failed) == (3, 2, 1)
    assert [(p.done, p.total, p.rewritten, p.failed) for p in progress] == [
        (1, 3, 1, 0),
        (2, 3, 1, 1),
        (3, 3, 2, 1),
    ]


@pytest.mark.asyncio
async def test_a_document_purged_while_it_was_rewritten_is_deleted_again() -> None:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore()
    db.add_church("Zion Church")
    team = db.add_team(1, TeamStatus.REJECTED, storage_keys=["a/1.pdf"])
    await put(store, "a/1.pdf", NOW)
    resealer = FakeResealer(stale={"a/1.pdf"})
    # The purge forgets the row while the rewrite is under way; the rewrite puts the file back.
    resealer.during["a/1.pdf"] = lambda: setattr(db.team(team), "documents_purged", True)

    report = await housekeeping(db, store, resealer=resealer).reencrypt()

    assert report.rewritten == 1
    assert store.deleted == ["a/1.pdf"] and store.files == {}


@pytest.mark.asyncio
async def test_reencrypt_refuses_a_store_that_does_not_encrypt() -> None:
    with pytest.raises(RuntimeError, match="does not encrypt"):
        await housekeeping(FakeRegistrationDatabase(), FakeDocumentStore()).reencrypt()
