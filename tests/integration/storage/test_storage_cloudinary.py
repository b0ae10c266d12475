"""The `cloudinary` DocumentStore against a local stub of Cloudinary's APIs that verifies signatures."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from icct26.adapters.resilience import BreakerRegistry
from icct26.adapters.storage.cloudinary import CloudinaryDocumentStore
from icct26.adapters.storage.encrypted import EncryptedDocumentStore
from icct26.adapters.storage.encryption import Keyring
from icct26.adapters.storage.signing import LinkSigner
from icct26.bootstrap import build_document_store
from icct26.domain.errors import DomainError, ErrorCode
from tests.conftest import make_settings
from tests.support.cloudinary_stub import CloudinaryStub

pytestmark = pytest.mark.asyncio
PDF = b"%PDF-1.4\n" + os.urandom(200_000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3_000)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(3_000)


@pytest_asyncio.fixture
async def stub() -> AsyncIterator[CloudinaryStub]:
    server = await CloudinaryStub().start()
    try:
        yield server
    finally:
        await server.stop()


def cloudinary_store(
    stub: CloudinaryStub, breakers: BreakerRegistry | None = None, *, secret: str | None = None
) -> CloudinaryDocumentStore:
    return CloudinaryDocumentStore(
        cloud_name=stub.cloud,
        api_key=stub.api_key,
        api_secret=secret or stub.api_secret,
        breakers=breakers or BreakerRegistry(),
        fail_max=3,
        reset_seconds=60,
        api_base_url=stub.url,
        delivery_base_url=stub.url,
        timeout_seconds=5,
        list_page_size=1,  # forces pagination
    )


async def read_all(store: CloudinaryDocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])


async def test_put_read_link_list_delete(stub: CloudinaryStub, tmp_path: Path) -> None:
    store = cloudinary_store(stub)
    source = tmp_path / "upload.part"
    source.write_bytes(PDF)
    await store.put_file("teams/ICCT-001/receipt.pdf", source, "application/pdf")
    await store.put_bytes("teams/ICCT-001/photo.png", PNG, "image/png")
    await store.put_bytes("teams/ICCT-001/aadhar.jpeg", JPEG, "image/jpeg")
    assert {(rt, pid) for rt, pid in stub.assets} == {
        ("raw", "teams/ICCT-001/receipt.pdf"),
        ("image", "teams/ICCT-001/photo"),
        ("image", "teams/ICCT-001/aadhar"),
    }

    assert await read_all(store, "teams/ICCT-001/receipt.pdf") == PDF
    assert await read_all(store, "teams/ICCT-001/aadhar.jpeg") == JPEG

    url = await store.url_for("teams/ICCT-001/photo.png", "photo.png", ttl_seconds=300)
    assert "/image/authenticated/s--" in url and url.endswith("/teams/ICCT-001/photo.png")
    async with httpx.AsyncClient() as client:
        resp = await client.get(url)
        assert resp.status_code == 200 and resp.content == PNG
        assert resp.headers["content-type"] == "image/png"
        sig = url.split("/s--")[1][:8]
        forged = url.replace(f"s--{sig}--", "s--AAAAAAAA--")
        assert (await client.get(forged)).status_code == 401

    keys = sorted([o.key async for o in store.list_objects("teams/")])
    assert keys == ["teams/ICCT-001/aadhar.jpeg", "teams/ICCT-001/photo.png", "teams/ICCT-001/receipt.pdf"]

    await store.delete("teams/ICCT-001/receipt.pdf")
    await store.delete("teams/ICCT-001/receipt.pdf")  # deleting twice is fine
    with pytest.raises(DomainError) as missing:
        await read_all(store, "teams/ICCT-001/receipt.pdf")
    assert missing.value.code == ErrorCode.DOCUMENT_NOT_FOUND
    assert len([o async for o in store.list_objects()]) == 2


async def test_wrong_secret_is_refused_by_the_api(stub: CloudinaryStub) -> None:
    store = cloudinary_store(stub, secret="not-the-secret")
    with pytest.raises(DomainError) as refused:
        await store.put_bytes("x.png", PNG, "image/png")
    assert refused.value.code == ErrorCode.STORAGE_UNAVAILABLE
    assert stub.assets == {}


async def test_missing_assets_do_not_trip_the_breaker(stub: CloudinaryStub) -> None:
    breakers = BreakerRegistry()
    store = cloudinary_store(stub, breakers)
    for _ in range(5):
        with pytest.raises(DomainError) as missing:
            await read_all(store, "nope.pdf")
        assert missing.value.code == ErrorCode.DOCUMENT_NOT_FOUND
    assert breakers["storage:cloudinary"].state == "closed"


async def test_outage_is_storage_unavailable_and_opens_the_breaker(stub: CloudinaryStub) -> None:
    breakers = BreakerRegistry()
    store = cloudinary_store(stub, breakers)
    stub.failing = True
    errors = []
    while breakers["storage:cloudinary"].state != "open" and len(errors) < 10:
        with pytest.raises(DomainError) as failed:
            await store.put_bytes("y.png", PNG, "image/png")
        errors.append(failed.value)
    assert all(e.code == ErrorCode.STORAGE_UNAVAILABLE for e in errors)
    seen = stub.requests
    assert seen == 3  # fail_max requests reached the API (the first call retried once)
    for _ in range(3):
        with pytest.raises(DomainError) as refused:
            await store.delete("y.png")
        assert refused.value.code == ErrorCode.STORAGE_UNAVAILABLE and refused.value.retry_after
    assert stub.requests == seen  # nothing reached the API while the breaker was open


def test_storage_backend_cloudinary_is_wired_with_its_breaker(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql://u@127.0.0.1/x",
        tmp_path,
        STORAGE_BACKEND="cloudinary",
        CLOUDINARY_CLOUD_NAME="demo",
        CLOUDINARY_API_KEY="k",
        CLOUDINARY_API_SECRET="s",
    )
    breakers = BreakerRegistry()
    store = build_document_store(settings, LinkSigner("k"), breakers).inner
    assert isinstance(store, CloudinaryDocumentStore) and store.cloud_name == "demo"
    assert breakers.states() == {"storage:cloudinary": "closed"}


async def test_encrypted_documents_are_raw_assets_and_older_image_assets_still_work(
    stub: CloudinaryStub, tmp_path: Path
) -> None:
    legacy_store = cloudinary_store(stub)  # as deployments stored documents before encryption
    await legacy_store.put_bytes("teams/b0/aadhar-p01-old.png", PNG, "image/png")
    assert ("image", "teams/b0/aadhar-p01-old") in stub.assets

    inner = CloudinaryDocumentStore(
        cloud_name=stub.cloud,
        api_key=stub.api_key,
        api_secret=stub.api_secret,
        breakers=BreakerRegistry(),
        api_base_url=stub.url,
        delivery_base_url=stub.url,
        image_prefixes=("gallery/",),
    )
    store = EncryptedDocumentStore(
        inner, Keyring([("k1", os.urandom(32))]), signer=LinkSigner("k"), scratch_root=tmp_path / "tmp"
    )
    source = tmp_path / "upload.part"
    source.write_bytes(PNG)
    await store.put_file("teams/b1/aadhar-p01-new.png", source, "image/png")
    stored = stub.assets[("raw", "teams/b1/aadhar-p01-new.png")]  # Cloudinary cannot parse ciphertext
    assert PNG[:8] not in stored.data and PNG[100:116] not in stored.data
    assert await read_all(inner, "teams/b1/aadhar-p01-new.png") == stored.data
    assert b"".join([c async for c in store.read("teams/b1/aadhar-p01-new.png")]) == PNG
    await inner.put_bytes("gallery/photo.png", PNG, "image/png")
    assert ("image", "gallery/photo") in stub.assets

    # The document stored as an image before is read, moved to a raw sealed asset, and deleted whole.
    assert b"".join([c async for c in store.read("teams/b0/aadhar-p01-old.png")]) == PNG
    assert await store.reencrypt("teams/b0/aadhar-p01-old.png")
    assert {k for k in stub.assets if "aadhar-p01-old" in k[1]} == {("raw", "teams/b0/aadhar-p01-old.png")}
    assert b"".join([c async for c in store.read("teams/b0/aadhar-p01-old.png")]) == PNG
    await legacy_store.put_bytes("teams/b0/aadhar-p01-old.png", PNG, "image/png")  # both copies now
    await store.delete("teams/b0/aadhar-p01-old.png")
    assert not {k for k in stub.assets if "aadhar-p01-old" in k[1]}
    with pytest.raises(DomainError) as missing:
        await read_all(inner, "teams/b0/aadhar-p01-old.png")
    assert missing.value.code == ErrorCode.DOCUMENT_NOT_FOUND
