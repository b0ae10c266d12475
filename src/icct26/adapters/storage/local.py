"""`local` document store: files under DATA_DIR/documents, served by the app through signed links.

A write that the disk refuses (full, read-only, I/O error) is STORAGE_UNAVAILABLE, like a remote
backend that is down. Files are written as `<key>.part` and renamed, so readers never see half a
file; a `.part` that a killed process left behind is listed, so the orphan sweep removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from loguru import logger

from icct26.adapters.storage.remote import storage_unavailable
from icct26.adapters.storage.signing import PUBLIC_LINK_TTL_SECONDS, LinkSigner
from icct26.domain.errors import ErrorCode, NotFound
from icct26.domain.ports import StoredObject

CHUNK = 256 * 1024
DOCUMENT_ROUTE = "/documents"


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        write(partial)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)  # no half-written copy stays behind
        raise


async def _write(work: Callable[[], None]) -> None:
    try:
        await asyncio.to_thread(work)
    except OSError as exc:
        logger.warning("local storage write failed: {}", type(exc).__name__)
        raise storage_unavailable() from None


class LocalDocumentStore:
    name = "local"

    def __init__(self, root: Path, signer: LinkSigner, base_url: str = "") -> None:
        self.root = root
        self.signer = signer
        self.base_url = base_url.rstrip("/")
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "No such document.")
        return path

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        target = self.path_of(key)
        await _write(lambda: _write_atomically(target, lambda partial: shutil.copyfile(source, partial)))

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path_of(key)
        await _write(lambda: _write_atomically(target, lambda partial: partial.write_bytes(data)))

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        if not path.is_file():
            raise NotFound(ErrorCode.DOCUMENT_NOT_FOUND, "No such document.")
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    async def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        def scan() -> list[StoredObject]:
            found = []
            for path in self.root.rglob("*"):
                # `.part` files included: no row names them, so the sweep removes stale ones.
                if path.is_file():
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        stat = path.stat()
                        modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                        found.append(StoredObject(key, stat.st_size, modified))
            return found

        for item in await asyncio.to_thread(scan):
            yield item

    async def url_for(self, key: str, filename: str, *, ttl_seconds: int, public: bool = False) -> str:
        # Public (gallery) links are signed too, just long-lived: nothing is listable.
        token = self.signer.sign(key, PUBLIC_LINK_TTL_SECONDS if public else ttl_seconds)
        return f"{self.base_url}{DOCUMENT_ROUTE}/{token}/{quote(filename)}"
