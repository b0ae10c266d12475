"""Registration forms shaped like the frontend's FormData, with real PNG, JPEG and PDF bytes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from PIL import Image
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.domain.ports import DocumentStore

FIRST_NAMES = ["Arun", "Babu", "Charles", "David", "Ebenezer", "Francis", "George", "Henry", "Isaac", "James"]
LAST_NAMES = ["Samuel", "Joseph", "Thomas", "Daniel", "Paul", "Peter", "John", "Mathew", "Philip", "Simon"]


@cache
def png_bytes(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, format="PNG")
    return out.getvalue()


@cache
def jpeg_bytes(color: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


@cache
def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (250, 250, 250)).save(out, format="PDF")
    return out.getvalue()


@dataclass
class Upload:
    filename: str
    content: bytes | None  # None with `path`: streamed from disk
    content_type: str
    path: Path | None = None

    def part(self) -> tuple[str, Any, str]:
        body = self.path.open("rb") if self.path is not None else self.content
        return (self.filename, body, self.content_type)


def pdf(name: str = "letter.pdf") -> Upload:
    return Upload(name, pdf_bytes(), "application/pdf")


def png(name: str = "photo.png") -> Upload:
    return Upload(name, png_bytes(), "image/png")


def jpeg(name: str = "scan.jpg") -> Upload:
    return Upload(name, jpeg_bytes(), "image/jpeg")


def person_name(i: int) -> str:
    return f"{FIRST_NAMES[i % 10]} {LAST_NAMES[i // 10 % 10]}"


@dataclass
class RegistrationForm:
    """The flat FormData of FRONTEND_CONTRACT §2.1; `n` makes team, emails and phones unique."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    @classmethod
    def valid(
        cls, n: int = 1, *, players: int | Iterable[int] = 11, church: str = "CSI St. Peter's Church"
    ) -> RegistrationForm:
        indices = range(players) if isinstance(players, int) else players
        form = cls(
            fields={
                "team_name": f"Peters Warriors {n}",
                "church_name": church,
                "captain_name": "John Samuel",
                "captain_phone": f"98{n:08d}",
                "captain_email": f"captain{n}@example.com",
                "captain_whatsapp": "",
                "vice_name": "Paul Raj",
                "vice_phone": f"87{n:08d}",
                "vice_email": f"vice{n}@example.com",
                "vice_whatsapp": "",
            },
            files={"pastor_letter": pdf(), "payment_receipt": jpeg("receipt.jpeg"), "group_photo": png()},
        )
        for i in indices:
            form.fields[f"player_{i}_name"] = person_name(i)
            form.fields[f"player_{i}_role"] = ["Batsman", "Bowler", "All-Rounder", "Wicket-Keeper", ""][i % 5]
            form.files[f"player_{i}_aadhar_file"] = jpeg(f"aadhar_{i}.jpg")
            form.files[f"player_{i}_subscription_file"] = pdf(f"subscription_{i}.pdf")
        return form

    def drop_player(self, i: int) -> RegistrationForm:
        for name in (f"player_{i}_name", f"player_{i}_role"):
            self.fields.pop(name, None)
        for name in (f"player_{i}_aadhar_file", f"player_{i}_subscription_file"):
            self.files.pop(name, None)
        return self

    def httpx_kwargs(self) -> dict[str, Any]:
        return {"data": self.fields, "files": [(name, upload.part()) for name, upload in self.files.items()]}


async def post_form(
    client: httpx.AsyncClient, form: RegistrationForm, key: str | None = None, **headers: str
) -> httpx.Response:
    all_headers = {"Accept": "application/json", **headers}
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return await client.post("/api/register/team", headers=all_headers, **form.httpx_kwargs())


@asynccontextmanager
async def asgi_clients(app: Any, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Several independent clients on one running app (lifespan run once)."""
    async with LifespanManager(app) as manager:
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app, client=(f"127.0.0.{i + 1}", 50000 + i)),
                base_url="http://testserver",
                timeout=120,
            )
            for i in range(count)
        ]
        try:
            yield clients
        finally:
            for c in clients:
                await c.aclose()


async def stored_keys(store: DocumentStore) -> set[str]:
    return {item.key async for item in store.list_objects("")}


async def document_keys(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set((await conn.execute(text("SELECT storage_key FROM documents"))).scalars())


async def read_bytes(store: DocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])


async def fetch(database: Database, sql: str, **params: Any) -> list[Any]:
    async with database.engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def execute(database: Database, sql: str, **params: Any) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text(sql), params)


def json_keys(value: Any) -> set[str]:
    """Every object key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def spool(form: RegistrationForm, directory: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """The form as the HTTP layer hands it to the service: text fields and files spooled on disk."""
    import hashlib

    from icct26.domain.registration import UploadInfo
    from icct26.services.document_files import SpooledUpload

    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, SpooledUpload] = {}
    for name, upload in form.files.items():
        content = upload.path.read_bytes() if upload.path is not None else (upload.content or b"")
        path = directory / f"{name}-{hashlib.sha256(content).hexdigest()[:8]}"
        path.write_bytes(content)
        info = UploadInfo(
            name,
            upload.filename,
            upload.content_type,
            len(content),
            content[:16],
            hashlib.sha256(content).hexdigest(),
        )
        files[name] = SpooledUpload(info, path)
    return dict(form.fields), files
