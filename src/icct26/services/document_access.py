"""The record of document views: written in batches off the download path, listed for admins.

A download only appends to an in-memory batch; a background task writes batches every
`flush_seconds` (or as soon as `batch_size` views wait). Stopping the app writes what is left.
If the database is down the batch waits for the next attempt, up to `max_pending` views; beyond
that the oldest are dropped with a warning (the access log lines still name every request).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from loguru import logger

from icct26.domain.admin.views import Page
from icct26.domain.document_access import DocumentAccessEntry, DocumentAccessLog, DocumentView
from icct26.services.admin_teams import check_page, normalise_team_id


class DocumentAccessService:
    def __init__(
        self,
        log: DocumentAccessLog,
        *,
        flush_seconds: float = 0.5,
        batch_size: int = 200,
        max_pending: int = 10_000,
        unrecorded_prefixes: tuple[str, ...] = (),
    ) -> None:
        self._log = log
        self._unrecorded = unrecorded_prefixes
        self._flush_seconds = flush_seconds
        self._batch_size = batch_size
        self._pending: deque[DocumentView] = deque(maxlen=max_pending)
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()

    def record(self, view: DocumentView) -> None:
        """Remember a view (not of the published objects under `unrecorded_prefixes`, e.g. gallery
        photos); never waits for the database."""
        if self._unrecorded and view.storage_key.startswith(self._unrecorded):
            return
        if len(self._pending) == self._pending.maxlen:
            logger.warning("document access records are backing up; dropping the oldest")
        self._pending.append(view)
        if len(self._pending) >= self._batch_size:
            self._wake.set()

    async def flush(self) -> int:
        """Write every waiting view; on failure they wait for the next flush. Returns how many."""
        async with self._flushing:
            written = 0
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(self._batch_size, len(self._pending)))]
                try:
                    await self._log.append(batch)
                except Exception:
                    self._pending.extendleft(reversed(batch))
                    logger.exception("could not write {} document access records; retrying", len(batch))
                    return written
                written += len(batch)
            return written

    async def run(self) -> None:
        """The background writer (started with the app)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._flush_seconds)
            self._wake.clear()
            await self.flush()

    async def page(self, team_id: str | None, page: int, page_size: int) -> Page[DocumentAccessEntry]:
        """Views newest first, of one team when `team_id` is given."""
        check_page(page, page_size)
        team = normalise_team_id(team_id) if team_id and team_id.strip() else None
        entries, total = await self._log.page(team, page, page_size)
        return Page(entries, total, page, page_size)
