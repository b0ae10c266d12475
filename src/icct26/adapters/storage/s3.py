"""`s3` document store (aioboto3): AWS S3 or any S3-compatible service (MinIO, Cloudflare R2).

Objects are private; browsers get presigned GET URLs that name the file (Content-Disposition) and
its type. Every backend call runs inside the "storage:s3" circuit breaker.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aioboto3
import aiohttp
import botocore.session
from aiobotocore.config import AioConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from icct26.adapters.resilience import BreakerRegistry
from icct26.adapters.storage.remote import RemoteCalls, UploadsFileByFile
from icct26.config import StorageSettings
from icct26.domain.audit import Actor
from icct26.domain.ports import StoredObject

BREAKER_NAME = "storage:s3"
CHUNK = 256 * 1024
PUBLIC_TTL_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live
MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def is_missing(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and (
        exc.response.get("Error", {}).get("Code") in MISSING_CODES or _status(exc) == 404
    )


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientError):
        return _status(exc) >= 500 or exc.response.get("Error", {}).get("Code") in {"SlowDown", "Throttling"}
    return True  # connection refused/reset, timeouts


def content_disposition(filename: str) -> str:
    """`inline` with an ASCII fallback and the UTF-8 name (RFC 6266), so the real name shows."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class S3DocumentStore(UploadsFileByFile):
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        breakers: BreakerRegistry,
        fail_max: int = 5,
        reset_seconds: float = 30.0,
        region: str = "us-east-1",
        endpoint_url: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        timeout_seconds: float = 30.0,
        list_page_size: int = 1000,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.list_page_size = list_page_size
        self._region = region
        self._credentials = (access_key_id or None, secret_access_key or None)
        self._s3_options = {"addressing_style": "path"} if endpoint_url else None
        self._presign_client: Any = None
        self._session = aioboto3.Session(
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            region_name=region,
        )
        self._config = AioConfig(
            signature_version="s3v4",
            connect_timeout=min(timeout_seconds, 5.0),
            read_timeout=timeout_seconds,
            retries={"max_attempts": 1, "mode": "standard"},  # retries are ours (tenacity + breaker)
            s3=self._s3_options,
        )
        breaker = breakers.get(
            BREAKER_NAME, fail_max=fail_max, reset_seconds=reset_seconds, exclude=[is_missing]
        )
        self._calls = RemoteCalls(
            "s3",
            breaker,
            errors=(BotoCoreError, ClientError, aiohttp.ClientError, OSError, TimeoutError),
            missing=is_missing,
            transient=is_transient,
        )

    @classmethod
    def from_settings(cls, settings: StorageSettings, breakers: BreakerRegistry) -> S3DocumentStore:
        return cls(
            bucket=settings.s3.bucket,
            breakers=breakers,
            fail_max=settings.breaker_fail_max,
            reset_seconds=settings.breaker_reset_seconds,
            region=settings.s3.region,
            endpoint_url=settings.s3.endpoint_url,
            access_key_id=settings.s3.access_key_id,
            secret_access_key=settings.s3.secret_access_key,
            timeout_seconds=settings.timeout_seconds,
        )

    def _client(self) -> AbstractAsyncContextManager[Any]:
        # A client per operation: cheap, and never tied to an event loop that has since closed.
        client: AbstractAsyncContextManager[Any] = self._session.client(
            "s3", endpoint_url=self.endpoint_url, config=self._config
        )
        return client

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        async def upload() -> None:
            async with self._client() as s3:
                with source.open("rb") as handle:  # reopened on retry: the upload starts over
                    await s3.upload_fileobj(handle, self.bucket, key, ExtraArgs={"ContentType": content_type})

        await self._calls(upload)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        async def put() -> None:
            async with self._client() as s3:
                await s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

        await self._calls(put)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        async with self._client() as s3:
            response = await self._calls(s3.get_object, Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                async for chunk in body.iter_chunks(CHUNK):
                    yield chunk
            except (BotoCoreError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise self._calls.translate(exc) from None
            finally:
                body.close()

    async def delete(self, key: str) -> None:
        async def remove() -> None:
            async with self._client() as s3:
                await s3.delete_object(Bucket=self.bucket, Key=key)  # a missing key is a success

        await self._calls(remove)

    async def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        async with self._client() as s3:
            token: str | None = None
            while True:
                params: dict[str, Any] = {
                    "Bucket": self.bucket,
                    "Prefix": prefix,
                    "MaxKeys": self.list_page_size,
                }
                if token:
                    params["ContinuationToken"] = token
                page = await self._calls(s3.list_objects_v2, **params)
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"], int(item.get("Size", 0)), item.get("LastModified"))
                token = page.get("NextContinuationToken")
                if not page.get("IsTruncated") or not token:
                    return

    async def url_for(
        self, key: str, filename: str, *, ttl_seconds: int, public: bool = False, viewer: Actor | None = None
    ) -> str:
        # Presigning is a local computation (no request to S3): no breaker, and one reusable
        # synchronous client signs every link (an admin page holds a hundred of them).
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        url: str = self._presigner().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=PUBLIC_TTL_SECONDS if public else ttl_seconds,
        )
        return url

    def _presigner(self) -> Any:
        if self._presign_client is None:
            self._presign_client = botocore.session.get_session().create_client(
                "s3",
                region_name=self._region,
                endpoint_url=self.endpoint_url,
                aws_access_key_id=self._credentials[0],
                aws_secret_access_key=self._credentials[1],
                config=BotoConfig(signature_version="s3v4", s3=self._s3_options),
            )
        return self._presign_client
