"""The `s3` DocumentStore against a local S3 (moto server on 127.0.0.1)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from icct26.adapters.resilience import BreakerRegistry
from icct26.adapters.storage.s3 import S3DocumentStore
from icct26.adapters.storage.signing import LinkSigner
from icct26.bootstrap import build_document_store
from icct26.domain.errors import DomainError, ErrorCode
from tests.conftest import make_settings
from tests.support.moto_s3 import Moto
from tests.support.smtp_sink import ConnectionGate

pytestmark = pytest.mark.asyncio
PDF = b"%PDF-1.4\n" + os.urandom(300_000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2_000)


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with Moto.running() as server:
        yield server


def s3_store(endpoint: str, bucket: str, breakers: BreakerRegistry | None = None) -> S3DocumentStore:
    return S3DocumentStore(
        bucket=bucket,
        breakers=breakers or BreakerRegistry(),
        fail_max=3,
        reset_seconds=60,
        endpoint_url=endpoint,
        access_key_id="test",
        secret_access_key="test",
        timeout_seconds=5,
        list_page_size=2,  # forces pagination in the listing test
    )


async def read_all(store: S3DocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])


async def test_put_read_list_delete(moto: Moto, tmp_path: Path) -> None:
    store = s3_store(moto.url, moto.create_bucket())
    source = tmp_path / "upload.part"
    source.write_bytes(PDF)
    await store.put_file("teams/ICCT-001/receipt.pdf", source, "application/pdf")
    for i in range(5):
        await store.put_bytes(f"gallery/{i}.png", PNG, "image/png")

    assert await read_all(store, "teams/ICCT-001/receipt.pdf") == PDF
    assert await read_all(store, "gallery/3.png") == PNG
    gallery = [o async for o in store.list_objects("gallery/")]
    assert sorted(o.key for o in gallery) == [f"gallery/{i}.png" for i in range(5)]
    assert {o.size for o in gallery} == {len(PNG)} and all(o.modified_at for o in gallery)
    assert len([o async for o in store.list_objects()]) == 6

    await store.delete("teams/ICCT-001/receipt.pdf")
    await store.delete("teams/ICCT-001/receipt.pdf")  # deleting twice is fine
    with pytest.raises(DomainError) as missing:
        await read_all(store, "teams/ICCT-001/receipt.pdf")
    assert missing.value.code == ErrorCode.DOCUMENT_NOT_FOUND
    assert len([o async for o in store.list_objects()]) == 5


async def test_presigned_url_serves_the_bytes_under_the_real_name(moto: Moto) -> None:
    store = s3_store(moto.url, moto.create_bucket())
    await store.put_bytes("teams/ICCT-002/abc123.pdf", PDF, "application/pdf")
    url = await store.url_for("teams/ICCT-002/abc123.pdf", "payment receipt.pdf", ttl_seconds=300)
    parsed = urlparse(url)
    assert parsed.path.endswith(".pdf")
    assert parse_qs(parsed.query)["X-Amz-Expires"] == ["300"]
    async with httpx.AsyncClient() as client:
        resp = await client.get(url)
        assert resp.status_code == 200
        assert resp.content == PDF
        assert resp.headers["content-type"] == "application/pdf"
        assert "payment%20receipt.pdf" in resp.headers["content-disposition"]
        # (moto does not check presigned signatures, so tampering is not tested here)
    public = await store.url_for("gallery/1.png", "1.png", ttl_seconds=300, public=True)
    assert parse_qs(urlparse(public).query)["X-Amz-Expires"] == ["604800"]


async def test_missing_objects_do_not_trip_the_breaker(moto: Moto) -> None:
    breakers = BreakerRegistry()
    store = s3_store(moto.url, moto.create_bucket(), breakers)
    for _ in range(5):
        with pytest.raises(DomainError) as missing:
            await read_all(store, "nope.pdf")
        assert missing.value.code == ErrorCode.DOCUMENT_NOT_FOUND
    assert breakers["storage:s3"].state == "closed"


async def test_outage_is_storage_unavailable_and_opens_the_breaker() -> None:
    moto = Moto()
    moto.server.start()
    gate = await ConnectionGate().start()
    gate.upstream_port = moto.port  # count every connection the adapter makes
    breakers = BreakerRegistry()
    store = s3_store(f"http://127.0.0.1:{gate.port}", moto.create_bucket(), breakers)
    try:
        await store.put_bytes("a.png", PNG, "image/png")
        moto.server.stop()  # storage goes away

        errors = []
        while breakers["storage:s3"].state != "open" and len(errors) < 10:
            with pytest.raises(DomainError) as failed:
                await store.put_bytes("b.png", PNG, "image/png")
            errors.append(failed.value)
        assert breakers["storage:s3"].state == "open"
        assert all(e.code == ErrorCode.STORAGE_UNAVAILABLE and e.retry_after for e in errors)
        connections = gate.connections

        for call in (
            lambda: store.put_bytes("c.png", PNG, "image/png"),
            lambda: store.delete("a.png"),
            lambda: read_all(store, "a.png"),
        ):
            with pytest.raises(DomainError) as refused:
                await call()
            assert refused.value.code == ErrorCode.STORAGE_UNAVAILABLE
            assert refused.value.retry_after is not None and refused.value.retry_after > 30
        assert gate.connections == connections  # failed fast: no connection attempted
    finally:
        await gate.stop()


def test_storage_backend_s3_is_wired_with_its_breaker(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql://u@127.0.0.1/x",
        tmp_path,
        STORAGE_BACKEND="s3",
        S3_BUCKET="docs",
        S3_ENDPOINT_URL="http://x",
    )
    breakers = BreakerRegistry()
    store = build_document_store(settings, LinkSigner("k"), breakers).inner
    assert isinstance(store, S3DocumentStore) and store.bucket == "docs"
    assert breakers.states() == {"storage:s3": "closed"}
