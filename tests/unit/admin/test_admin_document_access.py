"""The document view recorder: views wait in memory, are written in batches, survive a failed write,
and never pile up without bound."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from icct26.domain.document_access import DocumentAccessEntry, DocumentView
from icct26.services.document_access import DocumentAccessService

pytestmark = pytest.mark.asyncio


class FakeLog:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.failing = False

    async def append(self, views: Sequence[DocumentView]) -> None:
        if self.failing:
            raise ConnectionError("database down")
        self.batches.append([view.storage_key for view in views])

    async def page(
        self, team_id: str | None, page: int, page_size: int
    ) -> tuple[list[DocumentAccessEntry], int]:
        return [], 0


def view(key: str) -> DocumentView:
    return DocumentView(key, datetime.now(UTC), 1, "127.0.0.1", "r1")


async def test_views_are_written_in_batches_and_retried_after_a_failure() -> None:
    log = FakeLog()
    recorder = DocumentAccessService(log, batch_size=2, unrecorded_prefixes=("gallery/",))
    for key in ("a", "gallery/photo.png", "b", "c"):
        recorder.record(view(key))
    log.failing = True
    assert await recorder.flush() == 0
    log.failing = False
    assert await recorder.flush() == 3
    assert log.batches == [["a", "b"], ["c"]]  # order kept, gallery photos not recorded


async def test_the_background_writer_flushes_on_its_own() -> None:
    log = FakeLog()
    recorder = DocumentAccessService(log, flush_seconds=0.05)
    task = asyncio.create_task(recorder.run())
    try:
        recorder.record(view("a"))
        for _ in range(40):
            if log.batches:
                break
            await asyncio.sleep(0.01)
        assert log.batches == [["a"]]
    finally:
        task.cancel()


async def test_waiting_views_are_bounded() -> None:
    log = FakeLog()
    recorder = DocumentAccessService(log, batch_size=1000, max_pending=3)
    for key in "abcde":
        recorder.record(view(key))
    await recorder.flush()
    assert log.batches == [["c", "d", "e"]]  # the oldest were dropped (and logged)
