"""Document housekeeping: remove stored files nobody points to, purge documents that are kept no
longer (rejected and withdrawn teams', and every team's once the retention after the tournament has
passed), and move stored documents to the newest encryption key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger

from icct26.domain.errors import DomainError
from icct26.domain.ports import DocumentStore, Resealing
from icct26.domain.registration.ports import RegistrationUnitOfWork

UnitOfWorkFactory = Callable[[], RegistrationUnitOfWork]
Clock = Callable[[], datetime]
BATCH = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SweepReport:
    scanned: int
    deleted: int


@dataclass(frozen=True, slots=True)
class PurgeReport:
    teams: int
    files: int
    failed_teams: int
    every_team: bool = False  # the retention after the tournament had passed: all teams were due


@dataclass(frozen=True, slots=True)
class ReencryptProgress:
    """After each document: how far `reencrypt` has come."""

    done: int
    total: int
    rewritten: int
    failed: int


@dataclass(frozen=True, slots=True)
class ReencryptReport:
    checked: int
    rewritten: int
    failed: int  # missing or failing verification (logged); the rest carried on


class DocumentMaintenance:
    """`icct26 documents sweep` and `icct26 documents purge`."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        store: DocumentStore,
        orphan_grace: timedelta,
        rejected_retention: timedelta,
        documents_expire_at: datetime | None = None,
        resealer: Resealing | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = unit_of_work
        self._store = store
        self._grace = orphan_grace
        self._retention = rejected_retention
        self._expire_at = documents_expire_at
        self._resealer = resealer
        self._clock = clock

    async def sweep_orphans(self, prefix: str = "") -> SweepReport:
        """Delete stored objects older than the grace period that no document or gallery row names.

        The grace period covers registrations in flight: their files are stored before the row
        that names them is committed.
        """
        cutoff = self._clock() - self._grace
        scanned = deleted = 0
        batch: list[str] = []
        async for item in self._store.list_objects(prefix):
            scanned += 1
            # Objects without a modification time cannot be proven old: leave them.
            if item.modified_at is not None and item.modified_at < cutoff:
                batch.append(item.key)
            if len(batch) >= BATCH:
                deleted += await self._delete_unreferenced(batch)
                batch = []
        if batch:
            deleted += await self._delete_unreferenced(batch)
        return SweepReport(scanned, deleted)

    async def _delete_unreferenced(self, keys: list[str]) -> int:
        async with self._uow() as uow:
            referenced = await uow.documents.referenced(keys)
        orphans = [key for key in keys if key not in referenced]
        for key in orphans:
            await self._store.delete(key)
        if orphans:
            logger.info("orphan sweep deleted {} stored objects", len(orphans))
        return len(orphans)

    async def purge(self) -> PurgeReport:
        """Delete the documents of teams rejected or withdrawn more than REJECTED_DOCUMENT_RETENTION_DAYS
        ago and, once DOCUMENT_RETENTION_AFTER_DAYS after TOURNAMENT_ENDS_AT have passed, of every team.

        Teams, players and results stay; the team is marked "documents purged" with the time.
        Files go first, rows after: a failure leaves the rows, so the next run retries that team.
        """
        now = self._clock()
        every_team = self._expire_at is not None and now >= self._expire_at
        async with self._uow() as uow:
            teams = await uow.documents.purgeable(now - self._retention, every_team=every_team)
        purged = files = failed = 0
        for team in teams:
            try:
                for key in team.storage_keys:
                    await self._store.delete(key)
                async with self._uow() as uow:
                    await uow.documents.forget(team.pk, now)
                    await uow.commit()
            except Exception:
                failed += 1
                logger.exception("could not purge the documents of team {}", team.team_id)
                continue
            purged += 1
            files += len(team.storage_keys)
        return PurgeReport(purged, files, failed, every_team)

    async def document_count(self) -> int:
        async with self._uow() as uow:
            return await uow.documents.count()

    async def reencrypt(
        self, on_progress: Callable[[ReencryptProgress], None] | None = None
    ) -> ReencryptReport:
        """Move every stored document to the newest encryption key (plain ones get encrypted).

        Safe while the app serves: each file is replaced whole, and readers accept every configured
        key. Resumable and re-runnable: files already under the newest key are only checked. A file
        that a purge removed while it was being rewritten is deleted again.
        """
        if self._resealer is None:
            raise RuntimeError("this document store does not encrypt")
        total = await self.document_count()
        done = rewritten = failed = 0
        after = 0
        while True:
            async with self._uow() as uow:
                batch = await uow.documents.keys_after(after, BATCH)
            if not batch:
                break
            for pk, key in batch:
                after = pk
                try:
                    if await self._resealer.reencrypt(key):
                        rewritten += 1
                        await self._delete_if_forgotten(key)
                except DomainError as exc:
                    failed += 1
                    logger.error("could not re-encrypt document {}: {}", key, exc.message)
                done += 1
                if on_progress is not None:
                    on_progress(ReencryptProgress(done, max(total, done), rewritten, failed))
        return ReencryptReport(done, rewritten, failed)

    async def _delete_if_forgotten(self, key: str) -> None:
        async with self._uow() as uow:
            still_there = await uow.documents.referenced([key])
        if not still_there:
            await self._store.delete(key)
