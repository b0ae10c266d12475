"""Writing a team's documents to the store as one piece, and deleting them again.

Registration and a captain's replacement files both store several documents before the database
commit that points at them; a failure part-way must leave no half of the batch behind.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from loguru import logger

from icct26.domain.ports import DocumentStore, FileToStore
from icct26.domain.registration.ports import StoredUpload


async def store_documents(store: DocumentStore, documents: list[StoredUpload], sources: list[Path]) -> None:
    """Store each document from its source file, or, when any fails, delete the batch and re-raise."""
    try:
        await store.put_files(
            [
                FileToStore(doc.storage_key, source, doc.content_type)
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
