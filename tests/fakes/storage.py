"""DocumentStore: files kept in a dict, with switches for the failures the services must survive."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import FileToStore, StoredObject


@dataclass(frozen=True, slots=True)
class StoredFile:
    data: bytes
    content_type: str
    modified_at: datetime


def _unavailable() -> DomainError:
    return DomainError(ErrorCode.STORAGE_UNAVAILABLE, "The fake document store is switched off")


class FakeDocumentStore:
    """`cheap_writes` as the local store (True) or a remote one (False).

    Failure switches: `unavailable` refuses every call; `puts_before_failure = n` stores n files and
    refuses the next one (a store that breaks in the middle of a registration's documents);
    `failing_deletes` refuses deletes only.
    """

    name = "fake"
    cheap_writes: bool

    def __init__(self, *, cheap_writes: bool = False) -> None:
        self.cheap_writes = cheap_writes
        self.files: dict[str, StoredFile] = {}
        self.deleted: list[str] = []  # every key a delete was asked for, stored or not
        self.unavailable = False
        self.puts_before_failure: int | None = None
        self.failing_deletes = False
        self.now = datetime(2026, 1, 1, tzinfo=UTC)  # the modification time new files get

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        if self.unavailable or self.puts_before_failure == 0:
            raise _unavailable()
        if self.puts_before_failure is not None:
            self.puts_before_failure -= 1
        self.files[key] = StoredFile(data, content_type, self.now)

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        self._put(key, source.read_bytes(), content_type)

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        for file in files:
            await self.put_file(file.key, file.source, file.content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._put(key, data, content_type)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        if self.unavailable:
            raise _unavailable()
        stored = self.files.get(key)
        if stored is None:
            raise DomainError(ErrorCode.DOCUMENT_NOT_FOUND, f"No stored document {key}")
        yield stored.data

    async def delete(self, key: str) -> None:
        self.deleted.append(key)
        if self.unavailable or self.failing_deletes:
            raise _unavailable()
        self.files.pop(key, None)

    async def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        for key, stored in sorted(self.files.items()):
            if key.startswith(prefix):
                yield StoredObject(key, len(stored.data), stored.modified_at)

    async def url_for(
        self, key: str, filename: str, *, ttl_seconds: int, public: bool = False, viewer: Actor | None = None
    ) -> str:
        """Relative like the local store's links (callers prefix the base URL); public ones absolute.
        A link minted for a viewer names their account id."""
        if public:
            return f"https://cdn.example.test/{key}"
        named = f"&viewer={viewer.user_id}" if viewer is not None else ""
        return f"/documents/{key}/{filename}?ttl={ttl_seconds}{named}"
