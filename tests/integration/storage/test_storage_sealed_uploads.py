"""Uploads sealed while they were received: the encrypting store keeps the sealed temp file as it is
(linked into place by the local store, never encrypted twice), seals the rest of a batch itself, and
refuses to publish a sealed file under a public key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icct26.adapters.storage.encrypted import EncryptedDocumentStore, upload_sealer
from icct26.adapters.storage.encryption import MAGIC, Keyring
from icct26.adapters.storage.local import LocalDocumentStore
from icct26.adapters.storage.signing import LinkSigner
from icct26.domain.ports import FileToStore
from tests.fakes.storage import FakeDocumentStore

pytestmark = pytest.mark.asyncio
PDF = b"%PDF-1.4\n" + os.urandom(300_000)  # more than one record
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(40_000)


def encrypting_store(tmp_path: Path) -> EncryptedDocumentStore:
    signer = LinkSigner("k" * 32)
    inner = LocalDocumentStore(tmp_path / "documents", signer)
    return EncryptedDocumentStore(
        inner,
        Keyring([("k1", b"\x05" * 32)]),
        signer=signer,
        scratch_root=tmp_path / "tmp",
        public_prefixes=("gallery/",),
    )


def spool(tmp_path: Path, name: str, data: bytes, store: EncryptedDocumentStore | None = None) -> Path:
    """`data` written as the multipart reader writes it: through the store's sealer, in pieces."""
    path = tmp_path / "tmp" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        if store is None:
            out.write(data)
            return path
        sealer = store.new_sealer()
        for start in range(0, len(data), 65_536):
            out.writelines(sealer.feed(memoryview(data)[start : start + 65_536]))
        out.writelines(sealer.finish())
    return path


async def read_all(store: EncryptedDocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])


async def test_a_sealed_upload_is_linked_into_place_as_it_is(tmp_path: Path) -> None:
    store = encrypting_store(tmp_path)
    source = spool(tmp_path, "upload-a-001", PDF, store)
    await store.put_files([FileToStore("teams/b/letter.pdf", source, "application/pdf", sealed=True)])

    assert isinstance(store.inner, LocalDocumentStore)
    stored = store.inner.path_of("teams/b/letter.pdf")
    assert stored.stat().st_ino == source.stat().st_ino  # no second copy, no second encryption
    assert stored.read_bytes().startswith(MAGIC)
    assert await read_all(store, "teams/b/letter.pdf") == PDF
    assert list((tmp_path / "tmp").glob("upload-sealed-*")) == []  # no scratch directory was needed


async def test_a_batch_mixing_sealed_and_plain_files_stores_both_encrypted(tmp_path: Path) -> None:
    store = encrypting_store(tmp_path)
    sealed = spool(tmp_path, "upload-a-001", PDF, store)
    plain = spool(tmp_path, "plain.jpg", JPEG)
    await store.put_files(
        [
            FileToStore("teams/b/letter.pdf", sealed, "application/pdf", sealed=True),
            FileToStore("teams/b/id.jpg", plain, "image/jpeg"),
        ]
    )
    assert isinstance(store.inner, LocalDocumentStore)
    assert store.inner.path_of("teams/b/id.jpg").read_bytes().startswith(MAGIC)
    assert await read_all(store, "teams/b/letter.pdf") == PDF
    assert await read_all(store, "teams/b/id.jpg") == JPEG
    assert list((tmp_path / "tmp").glob("upload-sealed-*")) == []  # the scratch space went with the batch


async def test_a_sealed_upload_is_never_published(tmp_path: Path) -> None:
    store = encrypting_store(tmp_path)
    source = spool(tmp_path, "upload-a-001", JPEG, store)
    with pytest.raises(ValueError, match="public"):
        await store.put_files([FileToStore("gallery/photo.jpg", source, "image/jpeg", sealed=True)])
    assert [obj async for obj in store.list_objects()] == []


async def test_uploads_are_sealed_only_for_an_encrypting_store(tmp_path: Path) -> None:
    store = encrypting_store(tmp_path)
    assert upload_sealer(store) == store.new_sealer
    assert upload_sealer(FakeDocumentStore()) is None
