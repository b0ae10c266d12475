"""A small stand-in for Cloudinary's Upload, Admin and delivery APIs (aiohttp, 127.0.0.1).

It checks what Cloudinary checks, as documented: upload/destroy signatures (SHA-1 of the sorted
`key=value` pairs joined by `&`, then the API secret; `file`, `cloud_name`, `resource_type`,
`api_key` excluded), the API key, a fresh timestamp, `type=authenticated`, basic auth on the Admin
API, and the `s--<sig>--` component of authenticated delivery URLs.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import BasicAuth, web

from tests.support.server import free_port

UNSIGNED = {"file", "cloud_name", "resource_type", "api_key", "signature"}


def signature_of(params: dict[str, str], secret: str) -> str:
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in UNSIGNED and params[k] != "")
    return hashlib.sha1((payload + secret).encode()).hexdigest()


def _context(raw: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in raw.split("|") if raw else []:
        key, _, value = item.partition("=")
        pairs[key] = value.replace("\\=", "=").replace("\\|", "|").replace("\\\\", "\\")
    return pairs


@dataclass
class StoredAsset:
    resource_type: str
    public_id: str
    format: str | None
    data: bytes
    context: dict[str, str]


class CloudinaryStub:
    def __init__(
        self, cloud: str = "icct26", api_key: str = "key-123", api_secret: str = "shh-secret"
    ) -> None:
        self.cloud, self.api_key, self.api_secret = cloud, api_key, api_secret
        self.assets: dict[tuple[str, str], StoredAsset] = {}
        self.requests = 0
        self.failing = False  # answer 500 to everything (an outage)
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> CloudinaryStub:
        app = web.Application(middlewares=[self._count], client_max_size=20 * 1024 * 1024)
        app.router.add_post("/v1_1/{cloud}/{rt}/upload", self.upload)
        app.router.add_post("/v1_1/{cloud}/{rt}/destroy", self.destroy)
        app.router.add_get("/v1_1/{cloud}/resources/{rt}/authenticated", self.resources)
        app.router.add_get("/{cloud}/{rt}/authenticated/s--{sig}--/{path:.+}", self.deliver)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _count(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests += 1
        if self.failing:
            return web.json_response({"error": {"message": "Internal error"}}, status=500)
        if request.match_info.get("cloud") not in (None, self.cloud):
            return web.json_response({"error": {"message": "Unknown cloud"}}, status=404)
        response: web.StreamResponse = await handler(request)
        return response

    def _check_signed(self, form: dict[str, str]) -> None:
        problems = []
        if form.get("api_key") != self.api_key:
            problems.append("Unknown API key")
        if abs(time.time() - int(form.get("timestamp", "0"))) > 3600:
            problems.append("Stale request")
        if form.get("signature") != signature_of(form, self.api_secret):
            problems.append("Invalid Signature")
        if form.get("type") != "authenticated":
            problems.append("Expected type=authenticated")
        if problems:
            raise web.HTTPUnauthorized(text="; ".join(problems))

    async def upload(self, request: web.Request) -> web.Response:
        raw = await request.post()
        upload = raw["file"]
        form = {k: str(v) for k, v in raw.items() if k != "file"}
        self._check_signed(form)
        assert isinstance(upload, web.FileField)
        data = upload.file.read()
        rt = request.match_info["rt"]
        fmt = upload.filename.rsplit(".", 1)[-1].lower() if rt == "image" else None
        if fmt == "jpeg":
            fmt = "jpg"  # Cloudinary reports JPEG images as `jpg`
        asset = StoredAsset(rt, form["public_id"], fmt, data, _context(form.get("context", "")))
        self.assets[(rt, asset.public_id)] = asset
        return web.json_response(
            {
                "public_id": asset.public_id,
                "resource_type": rt,
                "type": "authenticated",
                "format": fmt,
                "bytes": len(data),
                "version": 1,
            }
        )

    async def destroy(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self._check_signed(form)
        found = self.assets.pop((request.match_info["rt"], form["public_id"]), None)
        return web.json_response({"result": "ok" if found else "not found"})

    async def resources(self, request: web.Request) -> web.Response:
        auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        if (auth.login, auth.password) != (self.api_key, self.api_secret):
            raise web.HTTPUnauthorized(text="Invalid credentials")
        rt, prefix = request.match_info["rt"], request.query.get("prefix", "")
        matching = sorted(
            (a for a in self.assets.values() if a.resource_type == rt and a.public_id.startswith(prefix)),
            key=lambda a: a.public_id,
        )
        start, size = int(request.query.get("next_cursor", "0")), int(request.query.get("max_results", "10"))
        page = matching[start : start + size]
        with_context = request.query.get("context") == "true"
        body: dict[str, Any] = {
            "resources": [
                {
                    "public_id": a.public_id,
                    "format": a.format,
                    "bytes": len(a.data),
                    "created_at": "2026-01-10T04:00:00Z",
                    **({"context": {"custom": a.context}} if with_context and a.context else {}),
                }
                for a in page
            ]
        }
        if start + size < len(matching):
            body["next_cursor"] = str(start + size)
        return web.json_response(body)

    async def deliver(self, request: web.Request) -> web.Response:
        rt, path = request.match_info["rt"], request.match_info["path"]
        expected = base64.urlsafe_b64encode(
            hashlib.sha1((path + self.api_secret).encode()).digest()
        ).decode()[:8]
        if request.match_info["sig"] != expected:
            raise web.HTTPUnauthorized(headers={"x-cld-error": "Invalid signature"})
        if rt == "image":
            public_id, _, fmt = path.rpartition(".")
            asset = self.assets.get((rt, public_id))
            if asset is not None and asset.format not in (fmt, "jpg" if fmt == "jpeg" else fmt):
                asset = None
        else:
            asset = self.assets.get((rt, path))
        if asset is None:
            raise web.HTTPNotFound()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return web.Response(body=asset.data, content_type=content_type)
