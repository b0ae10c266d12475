"""`cloudinary` document store: private (`type=authenticated`) assets over Cloudinary's REST APIs.

- Upload/destroy: the Upload API with signed parameters (SHA-1 of the alphabetically sorted
  `key=value` pairs joined by `&`, followed by the API secret).
- Browser links: signed delivery URLs, `/<cloud>/<resource_type>/authenticated/s--<sig>--/<path>`,
  where `<sig>` is the first 8 characters of the URL-safe base64 SHA-1 of `<path>` + API secret.
- Listing (orphan sweep): the Admin API with HTTP basic auth.

Images (PNG/JPEG/WebP) are `image` resources whose public ID is the key without its extension;
everything else (PDF) is a `raw` resource whose public ID is the whole key. Either way the delivery
path ends in the key's real extension. With `image_prefixes` (documents are encrypted: Cloudinary
could not process them as images), only keys under those prefixes (gallery photos) are images and
every other key is `raw`; a document stored as an image before that is still read and deleted.
Calls run inside the "storage:cloudinary" breaker.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import httpx

from icct26.adapters.resilience import BreakerRegistry
from icct26.adapters.storage.remote import RemoteCalls, UploadsFileByFile
from icct26.config import StorageSettings
from icct26.domain.audit import Actor
from icct26.domain.errors import NotFound
from icct26.domain.ports import StoredObject

BREAKER_NAME = "storage:cloudinary"
CHUNK = 256 * 1024
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "webp", "gif"})
DELIVERY_TYPE = "authenticated"
UNSIGNED_PARAMS = frozenset({"file", "cloud_name", "resource_type", "api_key", "signature"})
KEY_CONTEXT = "icct26_key"


class CloudinaryHTTPError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail[:200]}")
        self.status = status


def is_missing(exc: BaseException) -> bool:
    return isinstance(exc, CloudinaryHTTPError) and exc.status == 404


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, CloudinaryHTTPError):
        return exc.status >= 500 or exc.status == 429
    return True  # connection refused/reset, timeouts


def api_signature(params: Mapping[str, object], api_secret: str) -> str:
    """Cloudinary's request signature (Upload API and other signed POSTs)."""
    signed = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in UNSIGNED_PARAMS and v not in (None, "")
    )
    return hashlib.sha1((signed + api_secret).encode(), usedforsecurity=False).hexdigest()


def delivery_signature(path: str, api_secret: str) -> str:
    """The `s--<sig>--` component of a signed delivery URL for `path` (after the component)."""
    digest = hashlib.sha1((path + api_secret).encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode()[:8]


@dataclass(frozen=True, slots=True)
class Asset:
    """Where a storage key lives at Cloudinary."""

    resource_type: str  # image | raw
    public_id: str
    delivery_path: str  # ends in the key's extension

    @classmethod
    def of(cls, key: str) -> Asset:
        suffix = PurePosixPath(key).suffix.lower().lstrip(".")
        if suffix in IMAGE_EXTENSIONS:
            public_id = key[: -(len(suffix) + 1)]
            return cls("image", public_id, f"{public_id}.{suffix}")
        return cls("raw", key, key)

    @staticmethod
    def key_of(resource_type: str, public_id: str, fmt: str | None) -> str:
        return f"{public_id}.{fmt}" if resource_type == "image" and fmt else public_id


class CloudinaryDocumentStore(UploadsFileByFile):
    name = "cloudinary"

    def __init__(
        self,
        *,
        cloud_name: str,
        api_key: str,
        api_secret: str,
        breakers: BreakerRegistry,
        fail_max: int = 5,
        reset_seconds: float = 30.0,
        api_base_url: str = "https://api.cloudinary.com",
        delivery_base_url: str = "https://res.cloudinary.com",
        timeout_seconds: float = 30.0,
        list_page_size: int = 500,
        image_prefixes: Sequence[str] | None = None,
    ) -> None:
        self.cloud_name = cloud_name
        self._image_prefixes = None if image_prefixes is None else tuple(image_prefixes)
        self.api_key = api_key
        self._secret = api_secret
        self.api_base = api_base_url.rstrip("/")
        self.delivery_base = delivery_base_url.rstrip("/")
        self.list_page_size = list_page_size
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        breaker = breakers.get(
            BREAKER_NAME, fail_max=fail_max, reset_seconds=reset_seconds, exclude=[is_missing]
        )
        self._calls = RemoteCalls(
            "cloudinary",
            breaker,
            errors=(httpx.HTTPError, CloudinaryHTTPError, OSError, TimeoutError),
            missing=is_missing,
            transient=is_transient,
        )

    @classmethod
    def from_settings(
        cls, settings: StorageSettings, breakers: BreakerRegistry, image_prefixes: Sequence[str] | None = None
    ) -> CloudinaryDocumentStore:
        return cls(
            cloud_name=settings.cloudinary.cloud_name,
            api_key=settings.cloudinary.api_key,
            api_secret=settings.cloudinary.api_secret,
            breakers=breakers,
            fail_max=settings.breaker_fail_max,
            reset_seconds=settings.breaker_reset_seconds,
            api_base_url=settings.cloudinary.api_base_url,
            delivery_base_url=settings.cloudinary.delivery_base_url,
            timeout_seconds=settings.timeout_seconds,
            image_prefixes=image_prefixes,
        )

    # --- helpers ----------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)

    def _signed(self, params: dict[str, str]) -> dict[str, str]:
        params = {**params, "timestamp": str(int(time.time()))}
        return {**params, "signature": api_signature(params, self._secret), "api_key": self.api_key}

    def _api(self, resource_type: str, action: str) -> str:
        return f"{self.api_base}/v1_1/{quote(self.cloud_name)}/{resource_type}/{action}"

    @staticmethod
    def _check(response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise CloudinaryHTTPError(response.status_code, response.text)

    def _assets(self, key: str) -> list[Asset]:
        """Where `key` lives: its asset, then (documents stored before `image_prefixes`) the image
        asset it had."""
        natural = Asset.of(key)
        if self._image_prefixes is None or key.startswith(self._image_prefixes):
            return [natural]
        raw = Asset("raw", key, key)
        return [raw] if natural == raw else [raw, natural]

    def delivery_url(self, key: str) -> str:
        return self._delivery_url(self._assets(key)[0])

    def _delivery_url(self, asset: Asset) -> str:
        signature = delivery_signature(asset.delivery_path, self._secret)
        return (
            f"{self.delivery_base}/{quote(self.cloud_name)}/{asset.resource_type}/{DELIVERY_TYPE}"
            f"/s--{signature}--/{quote(asset.delivery_path, safe='/')}"
        )

    async def _upload(self, key: str, content: Any, content_type: str) -> None:
        asset = self._assets(key)[0]
        data = self._signed(
            {
                "public_id": asset.public_id,
                "type": DELIVERY_TYPE,
                "overwrite": "true",
                "invalidate": "true",
                # The exact key, so listing maps assets back to keys even when Cloudinary
                # reports another extension for the format (e.g. `jpg` for a `.jpeg` key).
                "context": f"{KEY_CONTEXT}={_context_escape(key)}",
            }
        )
        filename = PurePosixPath(key).name
        async with self._client() as client:
            response = await client.post(
                self._api(asset.resource_type, "upload"),
                data=data,
                files={"file": (filename, content, content_type)},
            )
        self._check(response)

    # --- DocumentStore ----------------------------------------------------------------------------

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        async def upload() -> None:
            with source.open("rb") as handle:  # httpx streams the file part; reopened on retry
                await self._upload(key, handle, content_type)

        await self._calls(upload)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._calls(self._upload, key, data, content_type)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        *preferred, last = self._assets(key)
        async with self._client() as client:

            async def open_stream(url: str) -> httpx.Response:
                response = await client.send(client.build_request("GET", url), stream=True)
                if response.status_code >= 400:
                    body = await response.aread()
                    await response.aclose()
                    raise CloudinaryHTTPError(response.status_code, body.decode(errors="replace"))
                return response

            response: httpx.Response | None = None
            for asset in preferred:
                try:
                    response = await self._calls(open_stream, self._delivery_url(asset))
                    break
                except NotFound:
                    continue  # not there: try where it was stored before
            if response is None:
                response = await self._calls(open_stream, self._delivery_url(last))
            try:
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                raise self._calls.translate(exc) from None
            finally:
                await response.aclose()

    async def delete(self, key: str) -> None:
        await self._destroy(self._assets(key))

    async def drop_superseded(self, key: str) -> None:
        """Remove the older (image) asset of a document rewritten as a raw asset."""
        await self._destroy(self._assets(key)[1:])

    async def _destroy(self, assets: list[Asset]) -> None:
        for asset in assets:

            async def destroy(asset: Asset = asset) -> None:
                data = self._signed(
                    {"public_id": asset.public_id, "type": DELIVERY_TYPE, "invalidate": "true"}
                )
                async with self._client() as client:
                    response = await client.post(self._api(asset.resource_type, "destroy"), data=data)
                self._check(response)  # {"result": "not found"} is a 200: deleting twice is fine

            await self._calls(destroy)

    async def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        for resource_type in ("image", "raw"):
            cursor: str | None = None
            while True:
                page = await self._calls(self._list_page, resource_type, prefix, cursor)
                for item in page.get("resources", []):
                    key = _key_of(resource_type, item)
                    if key.startswith(prefix):
                        yield StoredObject(
                            key, int(item.get("bytes") or 0), _parse_time(item.get("created_at"))
                        )
                cursor = page.get("next_cursor")
                if not cursor:
                    break

    async def _list_page(self, resource_type: str, prefix: str, cursor: str | None) -> dict[str, Any]:
        params: dict[str, str | int] = {"max_results": self.list_page_size, "context": "true"}
        if prefix:
            params["prefix"] = prefix
        if cursor:
            params["next_cursor"] = cursor
        url = f"{self.api_base}/v1_1/{quote(self.cloud_name)}/resources/{resource_type}/{DELIVERY_TYPE}"
        async with self._client() as client:
            response = await client.get(url, params=params, auth=(self.api_key, self._secret))
        self._check(response)
        page: dict[str, Any] = response.json()
        return page

    async def url_for(
        self, key: str, filename: str, *, ttl_seconds: int, public: bool = False, viewer: Actor | None = None
    ) -> str:
        # Signed delivery URLs do not expire (expiring ones need Cloudinary token authentication);
        # the signature still makes them unguessable and tamper-proof, and nothing is listable.
        return self.delivery_url(key)


def _context_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("=", "\\=").replace("|", "\\|")


def _key_of(resource_type: str, item: Mapping[str, Any]) -> str:
    custom = (item.get("context") or {}).get("custom") or {}
    key = custom.get(KEY_CONTEXT)
    if isinstance(key, str) and key:
        return key
    return Asset.key_of(resource_type, str(item["public_id"]), item.get("format"))


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
