"""Streaming multipart/form-data: file parts go to temp files as they arrive, never into memory.

A registration can carry 33 files of 5 MiB from a phone. The body is read chunk by chunk from the
ASGI stream and fed to python-multipart's push parser; each file part is written to its own temp
file while its sha256, size and first bytes (for type sniffing) are computed on the way. Memory
stays bounded by the chunk size, whatever the body size.

When the document store encrypts at rest, each file part is sealed as it arrives (`seal`: the
store's own sealer, a record at a time) and its temp file is what the store keeps: every byte is
written once, and no plaintext reaches the disk. The hash, size and head describe the plaintext.
Temp files are named `upload-<random>-<part>` directly in the spool root (no directory per
request: creating one costs as much as creating a file).

Limits are enforced while streaming: total body, number of parts, text field size. A file over
MAX_FILE_BYTES is not an abort: its size is recorded (the rest is not kept) so the form parser can
report it together with every other field error.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from loguru import logger
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from icct26.adapters.storage.encryption import Sealer
from icct26.adapters.storage.remote import storage_unavailable
from icct26.domain.errors import DomainError, ErrorCode, FieldError, ValidationFailed
from icct26.domain.registration import UploadInfo
from icct26.services.document_files import SpooledUpload

MIB = 1024 * 1024
TEXT_FIELD_MAX_BYTES = 4096  # the longest legitimate value (an email) is 254 characters
HEAD_BYTES = 16  # enough to sniff every accepted file type
# Chunks are handed to the parser thread in batches of this size: each hand-over costs a thread wake-up
# and two GIL switches, so a typical form (a few MiB) is parsed in one or two of them; a 165 MiB one
# still holds at most this much in memory.
PARSE_BATCH_BYTES = 2 * MIB
MAX_PART_HEADERS = 8
MAX_PART_HEADER_BYTES = 4096


@dataclass(frozen=True, slots=True)
class MultipartLimits:
    max_body_bytes: int
    max_file_bytes: int
    max_parts: int
    max_text_bytes: int = TEXT_FIELD_MAX_BYTES


def _malformed(message: str) -> DomainError:
    return DomainError(ErrorCode.MALFORMED_REQUEST, message)


def _size_text(size: int) -> str:
    return f"{size / MIB:g} MB" if size % MIB == 0 else f"{size / MIB:.1f} MB"


def _body_too_large(limit: int) -> DomainError:
    return DomainError(
        ErrorCode.BODY_TOO_LARGE,
        f"The request is larger than the {_size_text(limit)} limit",
        extra={"max_bytes": limit},
    )


SPOOL_PREFIX = "upload-"


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):  # never created (its part was refused first), or gone
            path.unlink()


class SpooledForm:
    """The text fields and spooled files of one request; `aclose()` deletes the temp files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fields: dict[str, str] = {}
        self.files: dict[str, SpooledUpload] = {}
        self._prefix = f"{SPOOL_PREFIX}{secrets.token_hex(8)}-"
        self._paths: list[Path] = []

    def new_path(self, number: int) -> Path:
        """The temp file of part `number` (created by the caller), deleted by `aclose()`."""
        if not self._paths:
            self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{self._prefix}{number:03d}"
        self._paths.append(path)
        return path

    @property
    def file_hashes(self) -> dict[str, str]:
        return {name: upload.info.sha256 for name, upload in self.files.items()}

    async def aclose(self) -> None:
        paths, self._paths = self._paths, []
        if paths:
            await asyncio.to_thread(_unlink_all, paths)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.shield(self.aclose())


class _TextPart:
    def __init__(self, name: str, max_bytes: int) -> None:
        self.name = name
        self.max_bytes = max_bytes
        self.buffer = bytearray()

    def write(self, chunk: memoryview) -> None:
        if len(self.buffer) + len(chunk) > self.max_bytes:
            message = f"Field {self.name[:60]} is longer than {self.max_bytes} bytes"
            raise ValidationFailed([FieldError(self.name[:60], "too_long", message)])
        self.buffer += chunk

    def value(self) -> str:
        try:
            return self.buffer.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed(f"Field {self.name[:60]} is not UTF-8 text") from None


class _FilePart:
    def __init__(
        self, name: str, filename: str, content_type: str, path: Path, max_bytes: int, sealer: Sealer | None
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.path = path
        self.max_bytes = max_bytes
        self.sealer = sealer
        self.handle: IO[bytes] | None = path.open("xb")
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = bytearray()

    def write(self, chunk: memoryview) -> None:
        self.digest.update(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        # Past the limit the file will be refused; keep counting (for the message) but stop writing.
        if self.size < self.max_bytes and self.handle is not None:
            kept = chunk[: self.max_bytes - self.size]
            if self.sealer is None:
                self.handle.write(kept)
            else:
                self.handle.writelines(self.sealer.feed(kept))
        self.size += len(chunk)

    def close(self, *, complete: bool = False) -> None:
        if self.handle is not None:
            handle, self.handle = self.handle, None
            with handle:
                if complete and self.sealer is not None:
                    handle.writelines(self.sealer.finish())

    def upload(self) -> SpooledUpload:
        self.close(complete=True)
        info = UploadInfo(
            field=self.name,
            filename=self.filename,
            content_type=self.content_type,
            size=self.size,
            head=bytes(self.head),
            sha256=self.digest.hexdigest(),
        )
        return SpooledUpload(info, self.path, sealed=self.sealer is not None)


def _header_text(raw: bytes) -> str:
    # parse_options_header hands parameters back as the header's raw bytes; browsers send UTF-8.
    return raw.decode("utf-8", errors="replace")


class _Spooler:
    """python-multipart callbacks that fill a SpooledForm (run in a worker thread, one at a time)."""

    def __init__(self, form: SpooledForm, limits: MultipartLimits, seal: Callable[[], Sealer] | None) -> None:
        self.form = form
        self.limits = limits
        self.seal = seal
        self.parts = 0
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, str] = {}
        self.part: _TextPart | _FilePart | None = None

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise DomainError(
                ErrorCode.TOO_MANY_PARTS,
                f"The form has more than {self.limits.max_parts} parts",
                extra={"max_parts": self.limits.max_parts},
            )
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        name = self.header_name.decode("latin-1").strip().lower()
        self.headers[name] = self.header_value.decode("latin-1").strip()
        self.header_name.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self.headers.get("content-disposition", ""))
        if disposition != b"form-data" or not params.get(b"name"):
            raise _malformed("Every part needs a Content-Disposition: form-data header with a name")
        name = _header_text(params[b"name"])
        if name in self.form.fields or name in self.form.files:
            raise _malformed(f"Field {name[:60]} is sent more than once")
        if b"filename" in params:
            path = self.form.new_path(self.parts)
            filename = _header_text(params[b"filename"])
            content_type = self.headers.get("content-type", "")
            sealer = self.seal() if self.seal is not None else None
            self.part = _FilePart(name, filename, content_type, path, self.limits.max_file_bytes, sealer)
        else:
            self.part = _TextPart(name, self.limits.max_text_bytes)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part is not None:
            self.part.write(memoryview(data)[start:end])

    def on_part_end(self) -> None:
        part, self.part = self.part, None
        if isinstance(part, _FilePart):
            self.form.files[part.name] = part.upload()
        elif isinstance(part, _TextPart):
            self.form.fields[part.name] = part.value()

    def abort(self) -> None:
        if isinstance(self.part, _FilePart):
            self.part.close()
        self.part = None


def _boundary(content_type: str) -> bytes:
    media_type, params = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        raise DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "Send the registration as multipart/form-data",
            extra={"content_type": content_type[:100]},
        )
    boundary = params.get(b"boundary", b"")
    if not 1 <= len(boundary) <= 200:
        raise _malformed("The multipart/form-data Content-Type has no valid boundary")
    return boundary


def remove_stale_spools(root: Path, older_than_seconds: float) -> int:
    """Delete upload temp files (and the scratch directories of sealing) that a killed process left
    behind; each request removes its own."""
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for entry in root.glob(f"{SPOOL_PREFIX}*"):
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError:
            continue  # removed meanwhile by its own request
        removed += 1
    return removed


async def read_multipart(
    request: Request[Any, Any, Any],
    limits: MultipartLimits,
    spool_root: Path,
    seal: Callable[[], Sealer] | None = None,
) -> SpooledForm:
    """Stream the request body into a SpooledForm (temp files under `spool_root`), each file sealed
    by a new `seal()` as it arrives when given (the store's: `upload_sealer`).

    Raises UNSUPPORTED_MEDIA_TYPE, MALFORMED_REQUEST, BODY_TOO_LARGE, TOO_MANY_PARTS, or
    VALIDATION_FAILED for an oversized text field. On any failure the temp files are gone.
    """
    boundary = _boundary(request.headers.get("content-type", ""))
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limits.max_body_bytes:
        raise _body_too_large(limits.max_body_bytes)
    form = SpooledForm(spool_root)
    spooler = _Spooler(form, limits, seal)
    try:
        parser = MultipartParser(
            boundary,
            spooler.callbacks(),  # type: ignore[arg-type]
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )
        await _feed(request, parser, limits.max_body_bytes)
        if parser.state != MultipartState.END:
            raise _malformed("The multipart body ends before its closing boundary")
    except BaseException as exc:
        spooler.abort()
        await asyncio.shield(form.aclose())
        if isinstance(exc, FormParserError):
            raise _malformed("The multipart body could not be parsed") from None
        if isinstance(exc, RequestEntityTooLarge):
            raise _body_too_large(limits.max_body_bytes) from None
        if isinstance(exc, InternalServerException):  # Litestar: the client went away mid-body
            raise _malformed("The request body ended before it was complete") from None
        if isinstance(exc, OSError):  # the spool's disk refused a write (full, read-only)
            logger.warning("upload spool write failed: {}", type(exc).__name__)
            raise storage_unavailable() from None
        raise
    return form


async def _feed(request: Request[Any, Any, Any], parser: MultipartParser, max_body_bytes: int) -> None:
    received = 0
    pending: list[bytes] = []
    pending_size = 0
    async for chunk in request.stream():
        if not chunk:
            continue
        received += len(chunk)
        if received > max_body_bytes:
            raise _body_too_large(max_body_bytes)
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= PARSE_BATCH_BYTES:
            # Hashing and disk writes happen in a worker thread so the event loop keeps serving.
            await asyncio.to_thread(_write_all, parser, pending)
            pending, pending_size = [], 0
    if pending:
        await asyncio.to_thread(_write_all, parser, pending)


def _write_all(parser: MultipartParser, chunks: list[bytes]) -> None:
    for chunk in chunks:  # one by one: joining them first would copy the batch
        parser.write(chunk)
