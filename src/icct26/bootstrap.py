"""The composition root: builds adapters from settings and hands them to services and the HTTP app.

Nothing else constructs infrastructure. Tests build a `Container` the same way, with test settings.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from icct26.adapters.db.embedded import EmbeddedPostgres
from icct26.adapters.db.engine import Database
from icct26.adapters.db.migrations import head_revisions
from icct26.adapters.http.auth import TokenService
from icct26.adapters.storage.local import LocalDocumentStore
from icct26.adapters.storage.signing import LinkSigner
from icct26.config import Settings
from icct26.domain.ports import DocumentStore


@dataclass
class Container:
    """Everything long-lived the app needs; one per process."""

    settings: Settings
    database: Database
    schema_heads: set[str]
    tokens: TokenService
    signer: LinkSigner
    storage: DocumentStore
    embedded: EmbeddedPostgres | None = None
    # Background tasks started by the app (outbox worker, sweepers); stopped on shutdown.
    background: list[asyncio.Task[Any]] = field(default_factory=list)

    async def close(self, *, dispose_database: bool = True) -> None:
        for task in self.background:
            task.cancel()
        for task in self.background:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.exception("background task failed while stopping")
        self.background.clear()
        if dispose_database:
            await self.database.dispose()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


def resolve_database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """`DATABASE_URL`, or the embedded server under DATA_DIR when it is unset (blocking)."""
    if settings.database_url:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.data_path)
    return embedded.start(), embedded


async def build_container(settings: Settings) -> Container:
    url, embedded = await asyncio.to_thread(resolve_database_url, settings)
    return await build_container_with(settings, Database(url, settings), embedded)


async def build_container_with(
    settings: Settings, database: Database, embedded: EmbeddedPostgres | None = None
) -> Container:
    """Wire every adapter around an existing database (the server, the CLI and tests all come here)."""
    signer = LinkSigner(settings.secret_key)
    return Container(
        settings=settings,
        database=database,
        schema_heads=head_revisions(),
        tokens=TokenService(settings.secret_key, settings.jwt_expiry_hours),
        signer=signer,
        storage=build_document_store(settings, signer),
        embedded=embedded,
    )


def build_document_store(settings: Settings, signer: LinkSigner) -> DocumentStore:
    """The configured DocumentStore (`local` now; `s3` and `cloudinary` plug in here)."""
    return LocalDocumentStore(settings.data_path / "documents", signer, settings.public_base_url)
