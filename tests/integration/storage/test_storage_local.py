"""The `local` DocumentStore: keys stay under the root, spooled uploads are linked (not copied) into
place when the filesystem allows it, copied whole otherwise, and disk errors are STORAGE_UNAVAILABLE."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from icct26.adapters.storage import local
from icct26.adapters.storage.local import LocalDocumentStore
from icct26.adapters.storage.signing import LinkSigner
from icct26.domain.errors import DomainError, ErrorCode, NotFound
from icct26.domain.ports import FileToStore

pytestmark = pytest.mark.asyncio
PDF = b"%PDF-1.4\n" + os.urandom(60_000)


def store_in(tmp_path: Path) -> LocalDocumentStore:
    return LocalDocumentStore(tmp_path / "data" / "documents", LinkSigner("k" * 32))


async def read_all(store: LocalDocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])


def spooled(tmp_path: Path) -> Path:
    source = tmp_path / "data" / "tmp" / "part-001"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(PDF)
    return source


@pytest.mark.parametrize("key", ["../escape.pdf", "teams/../../escape.pdf", "/etc/passwd", "", "."])
async def test_keys_outside_the_root_are_refused(tmp_path: Path, key: str) -> None:
    store = store_in(tmp_path)
    with pytest.raises(NotFound):
        store.path_of(key)
    with pytest.raises(NotFound):
        await store.put_bytes(key, b"x", "application/pdf")
    assert not (tmp_path / "data" / "escape.pdf").exists()


async def test_a_spooled_file_is_linked_into_place_and_outlives_its_spool(tmp_path: Path) -> None:
    store, source = store_in(tmp_path), spooled(tmp_path)
    await store.put_file("teams/b1/receipt.pdf", source, "application/pdf")
    stored = store.path_of("teams/b1/receipt.pdf")
    assert stored.stat().st_ino == source.stat().st_ino  # the same file: no byte copied
    source.unlink()  # the request's spool directory is removed after it
    assert await read_all(store, "teams/b1/receipt.pdf") == PDF
    assert sorted(p.name for p in stored.parent.iterdir()) == ["receipt.pdf"]


@pytest.mark.parametrize("refusal", [errno.EXDEV, errno.EPERM, errno.ENOTSUP])
async def test_without_links_the_file_is_copied_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: int
) -> None:
    def no_link(src: object, dst: object) -> None:
        raise OSError(refusal, os.strerror(refusal))

    monkeypatch.setattr(local.os, "link", no_link)
    store, source = store_in(tmp_path), spooled(tmp_path)
    await store.put_file("teams/b1/receipt.pdf", source, "application/pdf")
    stored = store.path_of("teams/b1/receipt.pdf")
    assert stored.stat().st_ino != source.stat().st_ino
    assert await read_all(store, "teams/b1/receipt.pdf") == PDF
    assert sorted(p.name for p in stored.parent.iterdir()) == ["receipt.pdf"]  # no `.part` left


async def test_a_disk_error_is_storage_unavailable_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(local.os, "link", full)
    store, source = store_in(tmp_path), spooled(tmp_path)
    with pytest.raises(DomainError) as refused:
        await store.put_file("teams/b1/receipt.pdf", source, "application/pdf")
    assert refused.value.code is ErrorCode.STORAGE_UNAVAILABLE
    assert [p async for p in store.list_objects()] == []


async def test_a_batch_is_placed_in_one_go_and_a_failure_midway_is_storage_unavailable(
    tmp_path: Path,
) -> None:
    store, source = store_in(tmp_path), spooled(tmp_path)
    batch = [FileToStore(f"teams/b1/doc-{n}.pdf", source, "application/pdf") for n in range(5)]
    await store.put_files(batch)
    assert {o.key async for o in store.list_objects()} == {item.key for item in batch}

    squatter = store.path_of("teams/b2/doc-2.pdf")
    squatter.mkdir(parents=True)  # the disk refuses the third document
    refused = [FileToStore(f"teams/b2/doc-{n}.pdf", source, "application/pdf") for n in range(5)]
    with pytest.raises(DomainError) as failed:
        await store.put_files(refused)
    assert failed.value.code is ErrorCode.STORAGE_UNAVAILABLE
    placed = {o.key async for o in store.list_objects("teams/b2/")}
    assert placed == {"teams/b2/doc-0.pdf", "teams/b2/doc-1.pdf"}  # the caller deletes every key
