"""ID documents in an S3 bucket (a local moto server) are encrypted there, and reach browsers only
through the app's signed links, which decrypt them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from icct26.adapters.storage.encrypted import EncryptedDocumentStore
from icct26.adapters.storage.encryption import RECORD_SIZE
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
from tests.e2e.admin.test_admin_sensitive_documents import (
    PNG_SIGNATURE,
    noisy_png,
    register_with_aadhar,
    relative,
    shares_a_16_byte_run,
)
from tests.e2e.test_foundation import assert_problem
from tests.support.moto_s3 import Moto

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with Moto.running() as server:
        yield server


@pytest.fixture
def settings_overrides(moto: Moto) -> dict[str, Any]:
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": moto.create_bucket(),
        "S3_ENDPOINT_URL": moto.url,
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
    }


def raw_object(moto: Moto, bucket: str, key: str) -> bytes:
    s3 = moto.client()
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


async def test_the_bucket_holds_ciphertext_and_the_signed_link_serves_the_upload(
    client: httpx.AsyncClient, container: Container, staff: Staff, moto: Moto
) -> None:
    assert isinstance(container.storage, EncryptedDocumentStore) and container.storage.name == "s3"
    aadhar = noisy_png()
    assert len(aadhar) > RECORD_SIZE
    storage_key = await register_with_aadhar(client, container, 3, aadhar)
    in_bucket = raw_object(moto, container.settings.storage.s3.bucket, storage_key)
    assert PNG_SIGNATURE not in in_bucket
    assert not shares_a_16_byte_run(aadhar, in_bucket)

    detail = await client.get("/admin/teams/ICCT-001", headers=staff.admin)
    url = detail.json()["data"]["players"][3]["aadharFile"]
    assert url.startswith("http://testserver/documents/")  # the app's link, never a presigned S3 URL
    download = await client.get(relative(url))
    assert download.status_code == 200
    assert download.content == aadhar and download.headers["content-type"] == "image/png"
    assert download.headers["cache-control"] == "no-store"

    # Damage in the bucket is a 404, never corrupt bytes.
    s3 = moto.client()
    damaged = bytearray(in_bucket)
    damaged[200] ^= 0xFF
    s3.put_object(Bucket=container.settings.storage.s3.bucket, Key=storage_key, Body=bytes(damaged))
    assert_problem(
        await client.get(relative(url), headers={"Accept": "application/json"}), 404, "DOCUMENT_NOT_FOUND"
    )
