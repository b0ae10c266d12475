"""The streaming multipart reader: spooled files, hashes and every limit, on any chunking."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icct26.adapters.http.multipart import MultipartLimits, SpooledForm, read_multipart, remove_stale_spools
from icct26.adapters.storage.encryption import MAGIC, Keyring, Sealer, open_bytes
from icct26.domain.errors import DomainError, ErrorCode

BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
LIMITS = MultipartLimits(max_body_bytes=1 << 20, max_file_bytes=1000, max_parts=10, max_text_bytes=100)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3


class FakeRequest:
    """What read_multipart uses of a Litestar request: headers and the body stream."""

    def __init__(
        self, body: bytes, *, chunk: int = 64, content_type: str | None = None, length: bool = True
    ) -> None:
        self.body = body
        self.chunk = chunk
        self.headers = {"content-type": content_type or f"multipart/form-data; boundary={BOUNDARY}"}
        if length:
            self.headers["content-length"] = str(len(body))

    async def stream(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.body), self.chunk):
            yield self.body[i : i + self.chunk]
        yield b""


def part(name: str, content: bytes, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode("utf-8") + b"\r\n" + content + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


SAMPLE = body(
    part("team_name", "Zion Lions \u0b9a".encode()),
    part("captain_whatsapp", b""),
    part("pastor_letter", PNG, "r\u00e9sum\u00e9 letter.png", "image/png"),
    part("group_photo", b"", ""),
)


RING = Keyring([("k1", b"\x07" * 32)])


def sealer() -> Sealer:
    return Sealer(RING, record_size=300)  # small records: the sample file spans several


async def read(
    request: FakeRequest, tmp_path: Path, limits: MultipartLimits = LIMITS, *, sealed: bool = False
) -> SpooledForm:
    seal = sealer if sealed else None
    return await read_multipart(request, limits, tmp_path / "spool", seal)  # type: ignore[arg-type]


def leftovers(tmp_path: Path) -> list[Path]:
    spool = tmp_path / "spool"
    return list(spool.iterdir()) if spool.exists() else []


@pytest.mark.asyncio
async def test_fields_and_spooled_files(tmp_path: Path) -> None:
    form = await read(FakeRequest(SAMPLE, chunk=50), tmp_path)
    assert form.fields == {"team_name": "Zion Lions \u0b9a", "captain_whatsapp": ""}
    letter = form.files["pastor_letter"]
    assert letter.info.filename == "r\u00e9sum\u00e9 letter.png"
    assert letter.info.content_type == "image/png"
    assert letter.info.size == len(PNG)
    assert letter.info.head == PNG[:16]
    assert letter.info.sha256 == hashlib.sha256(PNG).hexdigest()
    assert letter.path.read_bytes() == PNG and not letter.sealed
    assert letter.path.parent == tmp_path / "spool"
    assert form.files["group_photo"].info.is_absent
    assert form.file_hashes["pastor_letter"] == letter.info.sha256
    await form.aclose()
    assert leftovers(tmp_path) == []


@given(chunk=st.integers(min_value=1, max_value=len(SAMPLE)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_chunking_gives_the_same_form(tmp_path: Path, chunk: int) -> None:
    async def run() -> tuple[dict[str, str], dict[str, Any]]:
        async with await read(FakeRequest(SAMPLE, chunk=chunk), tmp_path) as form:
            return form.fields, {n: (f.info, f.path.read_bytes()) for n, f in form.files.items()}

    fields, files = asyncio.run(run())
    assert fields["team_name"] == "Zion Lions \u0b9a"
    assert files["pastor_letter"][1] == PNG
    assert files["pastor_letter"][0].sha256 == hashlib.sha256(PNG).hexdigest()
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_an_oversized_file_is_measured_not_kept(tmp_path: Path) -> None:
    big = PNG + b"\0" * 5000
    async with await read(FakeRequest(body(part("receipt", big, "r.png", "image/png"))), tmp_path) as form:
        info = form.files["receipt"].info
        assert info.size == len(big)  # the form parser reports file_too_large from this
        assert info.sha256 == hashlib.sha256(big).hexdigest()
        assert form.files["receipt"].path.stat().st_size == LIMITS.max_file_bytes


@pytest.mark.asyncio
async def test_files_are_sealed_as_they_arrive(tmp_path: Path) -> None:
    form = await read(FakeRequest(SAMPLE, chunk=50), tmp_path, sealed=True)
    letter = form.files["pastor_letter"]
    on_disk = letter.path.read_bytes()
    assert letter.sealed and on_disk.startswith(MAGIC)
    assert not any(PNG[i : i + 16] in on_disk for i in range(len(PNG) - 16))  # no plaintext run
    assert open_bytes(RING, [on_disk]) == PNG
    # What the form parser checks describes the plaintext.
    assert letter.info.size == len(PNG) and letter.info.head == PNG[:16]
    assert letter.info.sha256 == hashlib.sha256(PNG).hexdigest()
    assert form.files["group_photo"].info.is_absent
    await form.aclose()
    assert leftovers(tmp_path) == []


@given(chunk=st.integers(min_value=1, max_value=len(SAMPLE)))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_chunking_seals_the_same_plaintext(tmp_path: Path, chunk: int) -> None:
    async def run() -> bytes:
        async with await read(FakeRequest(SAMPLE, chunk=chunk), tmp_path, sealed=True) as form:
            return open_bytes(RING, [form.files["pastor_letter"].path.read_bytes()])

    assert asyncio.run(run()) == PNG
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_an_oversized_sealed_file_keeps_only_the_limit(tmp_path: Path) -> None:
    big = PNG + b"\0" * 5000
    request = FakeRequest(body(part("receipt", big, "r.png", "image/png")))
    async with await read(request, tmp_path, sealed=True) as form:
        upload = form.files["receipt"]
        assert upload.info.size == len(big)
        assert open_bytes(RING, [upload.path.read_bytes()]) == big[: LIMITS.max_file_bytes]


def test_stale_spools_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "upload-0a1b-001").write_bytes(b"x")
    (spool / "upload-sealed-xyz").mkdir()
    (spool / "upload-sealed-xyz" / "0.sealed").write_bytes(b"x")
    for path in spool.iterdir():
        os.utime(path, (0, 0))
    (spool / "upload-running-001").write_bytes(b"x")
    (spool / "unrelated").write_bytes(b"x")
    os.utime(spool / "unrelated", (0, 0))
    assert remove_stale_spools(spool, older_than_seconds=3600) == 2
    assert sorted(p.name for p in spool.iterdir()) == ["unrelated", "upload-running-001"]


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (FakeRequest(SAMPLE, content_type="application/json"), ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        (FakeRequest(SAMPLE, content_type="multipart/form-data"), ErrorCode.MALFORMED_REQUEST),
        (FakeRequest(SAMPLE[:-10]), ErrorCode.MALFORMED_REQUEST),
        (FakeRequest(b""), ErrorCode.MALFORMED_REQUEST),
        (FakeRequest(body(part("a", b"1"), part("a", b"2"))), ErrorCode.MALFORMED_REQUEST),
        (FakeRequest(body(part("a", b"\xc3\x28"))), ErrorCode.MALFORMED_REQUEST),
        (
            FakeRequest(SAMPLE.replace(b"Content-Disposition", b"Content-Dispositio")),
            ErrorCode.MALFORMED_REQUEST,
        ),
        (FakeRequest(body(*(part(f"f{i}", b"x") for i in range(11)))), ErrorCode.TOO_MANY_PARTS),
        (FakeRequest(body(part("team_name", b"A" * 101))), ErrorCode.VALIDATION_FAILED),
        (FakeRequest(body(part("f", b"x" * (2 << 20), "a.png")), chunk=1 << 16), ErrorCode.BODY_TOO_LARGE),
        (
            FakeRequest(body(part("f", b"x" * (2 << 20), "a.png")), length=False, chunk=1 << 16),
            ErrorCode.BODY_TOO_LARGE,
        ),
    ],
    ids=[
        "json",
        "no-boundary",
        "truncated",
        "empty",
        "duplicate",
        "not-utf8",
        "no-disposition",
        "too-many-parts",
        "long-text",
        "too-large-announced",
        "too-large-streamed",
    ],
)
@pytest.mark.asyncio
@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "sealed"])
@pytest.mark.asyncio
async def test_refusals_leave_no_temp_files(
    tmp_path: Path, request_: FakeRequest, code: ErrorCode, sealed: bool
) -> None:
    with pytest.raises(DomainError) as refused:
        await read(request_, tmp_path, sealed=sealed)
    assert refused.value.code is code
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_a_spool_the_disk_refuses_is_storage_unavailable(tmp_path: Path) -> None:
    (tmp_path / "spool").write_bytes(b"")  # a file where the spool directory must be
    with pytest.raises(DomainError) as refused:
        await read(FakeRequest(SAMPLE), tmp_path, sealed=True)
    assert refused.value.code is ErrorCode.STORAGE_UNAVAILABLE


@pytest.mark.asyncio
async def test_a_long_text_field_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        await read(FakeRequest(body(part("captain_email", b"a" * 500))), tmp_path)
    assert [(e.field, e.code) for e in refused.value.errors] == [("captain_email", "too_long")]
