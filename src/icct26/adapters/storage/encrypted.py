"""Encryption at rest for every document store: one wrapper around the local, S3 or Cloudinary store.

Uploads are sealed (`encryption.py`) as they arrive: the multipart reader spools each file through
`new_sealer()`, and the backend stores that sealed temp file as it is (`FileToStore.sealed`). Other
files are sealed into a scratch file under DATA_DIR/tmp, a record at a time, and the backend stores
the sealed file. Reads are opened record by record, each verified before
its bytes move on. The backend never sees plaintext, so browsers cannot fetch documents from it
directly: every private link is the app's own signed link (`/documents/<token>/<name>`), which
decrypts as it streams, whatever the backend. Keys under the public prefixes (gallery photos,
published anyway) stay plain and keep the backend's own public links.

A document that fails verification is logged as an integrity error and answered as missing: its
bytes are never served.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from loguru import logger

from icct26.adapters.storage.encryption import (
    MAGIC,
    IntegrityError,
    Keyring,
    Opener,
    Sealer,
    is_sealed,
    seal_bytes,
    seal_stream,
    sealed_key_id,
)
from icct26.adapters.storage.remote import document_not_found, storage_unavailable
from icct26.adapters.storage.signing import LinkSigner, document_link
from icct26.domain.audit import Actor
from icct26.domain.ports import DocumentStore, FileToStore, StoredObject

# Scratch directories share the upload spools' prefix, so `icct26 documents sweep` removes the ones
# a killed process left behind.
SCRATCH_PREFIX = "upload-sealed-"
HEAD_BYTES = 512  # enough for any header: magic, version, key id and wrapped key


@runtime_checkable
class KeepsOlderCopies(Protocol):
    """A backend where a rewritten object may leave its earlier copy elsewhere (Cloudinary: a document
    stored as an image before encryption is rewritten as a raw asset)."""

    async def drop_superseded(self, key: str) -> None: ...


class EncryptedDocumentStore:
    """A DocumentStore that encrypts what it stores in `inner` and decrypts what it reads back."""

    def __init__(
        self,
        inner: DocumentStore,
        keyring: Keyring,
        *,
        signer: LinkSigner,
        scratch_root: Path,
        base_url: str = "",
        public_prefixes: Sequence[str] = (),
    ) -> None:
        self.inner = inner
        self.name = inner.name
        # Sealing runs at about the speed of a disk copy, and the local store still links the sealed
        # file into place: writes stay as cheap (or as costly) as the backend's own.
        self.cheap_writes = inner.cheap_writes
        self.keyring = keyring
        self.signer = signer
        self.base_url = base_url.rstrip("/")
        self._scratch_root = scratch_root
        self._public = tuple(public_prefixes)

    def is_public(self, key: str) -> bool:
        return bool(self._public) and key.startswith(self._public)

    # --- writing ----------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _scratch(self) -> AsyncIterator[Path]:
        def make() -> Path:
            self._scratch_root.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=self._scratch_root))

        try:
            directory = await asyncio.to_thread(make)
        except OSError as exc:
            logger.warning("document scratch space unavailable: {}", type(exc).__name__)
            raise storage_unavailable() from None
        try:
            yield directory
        finally:
            await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)

    def new_sealer(self) -> Sealer:
        """Seals one upload as it is received; the result is stored with `FileToStore.sealed`."""
        return Sealer(self.keyring)

    def _to_seal(self, item: FileToStore) -> bool:
        """Whether `item` still has to be encrypted: not when public, nor when sealed already."""
        if not self.is_public(item.key):
            return not item.sealed
        if item.sealed:  # it would be published as ciphertext
            raise ValueError(f"a sealed upload cannot be stored under the public key {item.key}")
        return False

    def _seal_files(
        self, files: Sequence[FileToStore], to_seal: list[bool], directory: Path
    ) -> list[FileToStore]:
        sealed = []
        for number, (item, seal) in enumerate(zip(files, to_seal, strict=True)):
            if not seal:
                sealed.append(item)
                continue
            target = directory / f"{number}.sealed"
            with item.source.open("rb") as source, target.open("wb") as out:
                seal_stream(self.keyring, source, out)
            sealed.append(FileToStore(item.key, target, item.content_type))
        return sealed

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        to_seal = [self._to_seal(item) for item in files]
        if not any(to_seal):
            # Sealed while they were uploaded: nothing to encrypt, no scratch space.
            await self.inner.put_files(files)
            return
        async with self._scratch() as directory:
            try:
                sealed = await asyncio.to_thread(self._seal_files, files, to_seal, directory)
            except OSError as exc:
                logger.warning("sealing documents failed: {}", type(exc).__name__)
                raise storage_unavailable() from None
            await self.inner.put_files(sealed)

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        await self.put_files([FileToStore(key, source, content_type)])

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        if not self.is_public(key):
            data = await asyncio.to_thread(seal_bytes, self.keyring, data)
        await self.inner.put_bytes(key, data, content_type)

    # --- reading ----------------------------------------------------------------------------------

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The plaintext of `key`. A sealed file is verified whole before its first byte goes out,
        so damage anywhere is a clean DOCUMENT_NOT_FOUND, never a response cut short: a file of up
        to two records (512 KiB: most scans) is served from that single read, a longer one is read
        a second time to stream it (memory stays at two records or so either way)."""
        async with _closing(self.inner.read(key)) as chunks:
            head = await _head(chunks)
            if not is_sealed(head):  # stored before encryption existed (or public): as it is
                if head:
                    yield head
                async for chunk in chunks:
                    yield chunk
                return
            small = await self._verified(key, head, chunks)
        if small is not None:
            for plain in small:
                yield plain
            return
        async with _closing(self.inner.read(key)) as chunks:
            opener = Opener(self.keyring)
            try:
                async for chunk in chunks:
                    for plain in opener.feed(chunk):
                        yield plain
                for plain in opener.finish():
                    yield plain
            except (
                IntegrityError
            ) as exc:  # replaced meanwhile by a damaged copy: stop, unverified bytes never go out
                logger.error("document integrity error: {} was cut short ({})", key, exc)
                raise document_not_found() from None

    async def _verified(self, key: str, head: bytes, chunks: AsyncIterator[bytes]) -> list[bytes] | None:
        """Decrypt the rest of `chunks` to check every record; the plaintext when it was at most two
        records, None when it was longer (it is not kept). Raises DOCUMENT_NOT_FOUND when damaged."""
        opener = Opener(self.keyring)
        kept: list[bytes] | None = []
        try:
            pieces = opener.feed(head)
            while True:
                if kept is not None:
                    kept.extend(pieces)
                    if len(kept) > 1:
                        kept = None  # more than two records: stream it from a second read
                chunk = await anext(chunks, None)
                if chunk is None:
                    break
                pieces = opener.feed(chunk)
            last = opener.finish()
        except IntegrityError as exc:
            logger.error("document integrity error: {} was not served ({})", key, exc)
            raise document_not_found() from None
        return None if kept is None else [*kept, *last]

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        return self.inner.list_objects(prefix)

    async def url_for(
        self, key: str, filename: str, *, ttl_seconds: int, public: bool = False, viewer: Actor | None = None
    ) -> str:
        if public and self.is_public(key):
            return await self.inner.url_for(key, filename, ttl_seconds=ttl_seconds, public=True)
        # Only the app can decrypt: private links always come back to it, naming their viewer.
        token = self.signer.sign(key, ttl_seconds, viewer)
        return document_link(self.base_url, token, filename)

    # --- key rotation -----------------------------------------------------------------------------

    async def reencrypt(self, key: str) -> bool:
        """Rewrite `key` sealed under the newest master key, unless it already is (then False).

        The new copy is written aside and replaces the old one whole, so readers see one or the
        other; an interrupted run leaves every object readable and the next run carries on."""
        if self.is_public(key):
            return False
        async with self._scratch() as directory:
            target = directory / "resealed"
            try:
                with target.open("wb") as out:
                    if not await self._reseal(key, out):
                        return False
            except IntegrityError as exc:
                logger.error("document integrity error: {} could not be re-encrypted ({})", key, exc)
                raise document_not_found() from None
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            await self.inner.put_file(key, target, content_type)
        if isinstance(self.inner, KeepsOlderCopies):
            await self.inner.drop_superseded(key)  # no plaintext copy may stay behind
        return True

    async def _reseal(self, key: str, out: BinaryIO) -> bool:
        """Write `key`'s plaintext sealed under the newest key to `out`; False when already sealed so."""
        async with _closing(self.inner.read(key)) as chunks:
            head = b""
            async for chunk in chunks:
                head += chunk
                if len(head) >= HEAD_BYTES or (len(head) >= len(MAGIC) and not is_sealed(head)):
                    break
            if sealed_key_id(head) == self.keyring.primary.id:
                return False
            opener = Opener(self.keyring) if is_sealed(head) else None
            sealer = Sealer(self.keyring)

            def write(plaintext: list[bytes]) -> None:
                for plain in plaintext:
                    out.writelines(sealer.feed(plain))

            write(opener.feed(head) if opener else [head])
            async for chunk in chunks:
                write(opener.feed(chunk) if opener else [chunk])
            write(opener.finish() if opener else [])
            out.writelines(sealer.finish())
        return True


def upload_sealer(store: DocumentStore) -> Callable[[], Sealer] | None:
    """How uploads bound for `store` are spooled: sealed as they arrive when it encrypts at rest."""
    return store.new_sealer if isinstance(store, EncryptedDocumentStore) else None


async def _head(chunks: AsyncIterator[bytes]) -> bytes:
    """At least the first len(MAGIC) bytes of a stream (fewer only when the stream is shorter)."""
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= len(MAGIC):
            break
    return head


@contextlib.asynccontextmanager
async def _closing(chunks: AsyncIterator[bytes]) -> AsyncIterator[AsyncIterator[bytes]]:
    """Close a backend's read stream (its file or connection) even when it is not read to the end."""
    try:
        yield chunks
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
