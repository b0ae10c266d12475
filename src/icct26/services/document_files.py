"""Writing a team's documents to the store as one piece, and deleting them again.

Registration and a captain's replacement files both store several documents before the database
commit that points at them; a failure part-way must leave no half of the batch behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from icct26.domain.ports import DocumentStore, FileToStore
from icct26.domain.registration import UploadInfo
from icct26.domain.registration.ports import StoredUpload


@dataclass(frozen=True, slots=True)
class SpooledUpload:
    """An uploaded file waiting on local disk, with what the HTTP layer learnt while spooling it.

    `sealed`: the file holds the store's at-rest form already (encrypted by the store's own sealer
    while it was received); `info` always describes the plaintext."""

    info: UploadInfo
    path: Path
    sealed: bool = False


async def store_documents(
    store: DocumentStore, documents: list[StoredUpload], sources: Sequence[SpooledUpload]
) -> None:
    """Store each document from its spooled file, or, when any fails, delete the batch and re-raise."""
    try:
        await store.put_files(
            [
                FileToStore(doc.storage_key, source.path, doc.content_type, sealed=source.sealed)
                for doc, source in zip(documents, sources, strict=True)
            ]
        )
    except BaseException:
        # Any of them may be stored, the one being written when it failed half-written: orphans.
        await asyncio.shield(discard_documents(store, [doc.storage_key for doc in documents]))
        raise


async def discard_documents(store: DocumentStore, keys: list[str]) -> None:
    """Delete stored documents nothing points to; one that will not go is left to the orphan sweep."""
    for key in keys:
        try:
            await store.delete(key)
        except Exception:
            logger.warning("could not delete an unreferenced document; the orphan sweep will")
