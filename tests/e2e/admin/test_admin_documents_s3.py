"""ID documents in an S3 bucket (a local moto server) are encrypted there, and reach browsers only
through the app's signed links, which decrypt them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from icct26.adapters.storage.encrypted import EncryptedDocumentStore
from icct26.adapters.storage.encryption import RECORD_SIZE
from icct26.bootstrap import Container
from tests.e2e.admin.conftest import Staff
from tests.e2e.admin.test_admin_sensitive_documents import (
    PNG_SIGNATURE,
    noisy_png,
    relative,
    shares_a_16_byte_run,
)
from tests.e2e.test_foundation import assert_problem
from tests.integration.storage.test_storage_s3 import Moto
from tests.support.registration_forms import RegistrationForm, Upload, fetch, post_form

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    server = Moto()
    server.server.start()
    try:
        yield server
    finally:
        server.server.stop()


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
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


async def test_the_bucket_holds_ciphertext_and_the_signed_link_serves_the_upload(
    client: httpx.AsyncClient, container: Container, staff: Staff, moto: Moto
) -> None:
    assert isinstance(container.storage, EncryptedDocumentStore) and container.storage.name == "s3"
    aadhar = noisy_png()
    assert len(aadhar) > RECORD_SIZE
    form = RegistrationForm.valid(players=11)
    form.files["player_3_aadhar_file"] = Upload("aadhar_3.png", aadhar, "image/png")
    resp = await post_form(client, form)
    assert resp.status_code == 201, resp.text

    [row] = await fetch(
        container.database,
        "SELECT d.storage_key FROM documents d JOIN players p ON p.id = d.player_pk "
        "WHERE p.player_id = 'ICCT-001-P04' AND d.kind = 'aadhar'",
    )
    in_bucket = raw_object(moto, container.settings.s3_bucket, row.storage_key)
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
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    damaged = bytearray(in_bucket)
    damaged[200] ^= 0xFF
    s3.put_object(Bucket=container.settings.s3_bucket, Key=row.storage_key, Body=bytes(damaged))
    assert_problem(
        await client.get(relative(url), headers={"Accept": "application/json"}), 404, "DOCUMENT_NOT_FOUND"
    )
