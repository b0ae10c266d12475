"""Document housekeeping: remove stored files nobody points to, and purge rejected teams' files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger

from icct26.domain.ports import DocumentStore
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


class DocumentMaintenance:
    """`icct26 documents sweep` and `icct26 documents purge`."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        store: DocumentStore,
        orphan_grace: timedelta,
        rejected_retention: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._uow = unit_of_work
        self._store = store
        self._grace = orphan_grace
        self._retention = rejected_retention
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

    async def purge_rejected(self) -> PurgeReport:
        """Delete the documents of teams rejected more than REJECTED_DOCUMENT_RETENTION_DAYS ago.

        Files go first, rows after: a failure leaves the rows, so the next run retries that team.
        """
        now = self._clock()
        async with self._uow() as uow:
            teams = await uow.documents.purgeable(now - self._retention)
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
        return PurgeReport(purged, files, failed)
