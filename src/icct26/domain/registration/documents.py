"""Uploaded documents: which files we accept and how we tell what a file really is.

The file's own bytes decide its type; the client's name and content type are only claims, and
must agree with the bytes so a renamed file is caught before an organiser opens it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from icct26.domain.errors import FieldError

MIB = 1024 * 1024
MAX_FILENAME_LENGTH = 100
# Bytes of the file start needed to sniff every accepted type.
SNIFF_BYTES = 8


class FileType(StrEnum):
    PNG = "png"
    JPEG = "jpeg"
    PDF = "pdf"

    @property
    def extension(self) -> str:
        """Extension used for stored keys and signed URLs."""
        return "jpg" if self is FileType.JPEG else self.value

    @property
    def content_type(self) -> str:
        return _CANONICAL_CONTENT_TYPES[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_CANONICAL_CONTENT_TYPES = {
    FileType.PNG: "image/png",
    FileType.JPEG: "image/jpeg",
    FileType.PDF: "application/pdf",
}
_LABELS = {FileType.PNG: "a PNG image", FileType.JPEG: "a JPEG image", FileType.PDF: "a PDF document"}
_MAGIC = ((b"%PDF-", FileType.PDF), (b"\x89PNG\r\n\x1a\n", FileType.PNG), (b"\xff\xd8\xff", FileType.JPEG))

ACCEPTED_EXTENSIONS: dict[str, FileType] = {
    "png": FileType.PNG,
    "jpg": FileType.JPEG,
    "jpeg": FileType.JPEG,
    "pdf": FileType.PDF,
}
ACCEPTED_CONTENT_TYPES: dict[str, FileType] = {
    "image/png": FileType.PNG,
    "image/jpeg": FileType.JPEG,
    "image/jpg": FileType.JPEG,
    "image/pjpeg": FileType.JPEG,
    "application/pdf": FileType.PDF,
}
# Browsers and curl send these when they do not know the type: no claim, so nothing to disagree with.
_UNDECLARED_CONTENT_TYPES = frozenset({"", "application/octet-stream"})


class DocumentKind(StrEnum):
    PASTOR_LETTER = "pastor_letter"
    PAYMENT_RECEIPT = "payment_receipt"
    GROUP_PHOTO = "group_photo"
    AADHAR = "aadhar"
    SUBSCRIPTION = "subscription"


TEAM_DOCUMENT_KINDS = (DocumentKind.PASTOR_LETTER, DocumentKind.PAYMENT_RECEIPT, DocumentKind.GROUP_PHOTO)


def sniff_file_type(head: bytes) -> FileType | None:
    """Type from the magic bytes at the start of the file, or None if it is not one we accept."""
    for magic, file_type in _MAGIC:
        if head.startswith(magic):
            return file_type
    return None


_UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def sanitise_filename(name: str) -> str:
    """Safe metadata copy of a client file name: basename only, `[A-Za-z0-9._-]`, at most 100
    characters with the extension kept, never hidden, never empty. Never used as a storage key."""
    # NFKC first, so look-alikes such as a fullwidth solidus become the separators we strip.
    base = re.split(r"[/\\]", unicodedata.normalize("NFKC", name))[-1]
    if not base.isprintable():  # NULs, controls, bidi overrides (checked whole first: most names are clean)
        base = "".join(ch for ch in base if ch.isprintable())
    base = _UNSAFE_FILENAME_CHARS.sub("_", base).lstrip(".")
    if len(base) > MAX_FILENAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and len(ext) <= 10:
            base = f"{stem[: MAX_FILENAME_LENGTH - len(ext) - 1]}.{ext}"
        else:
            base = base[:MAX_FILENAME_LENGTH]
    return base or "file"


def filename_extension(name: str) -> str:
    """Lower-case extension of the sanitised name, '' when there is none."""
    stem, dot, ext = sanitise_filename(name).rpartition(".")
    return ext.lower() if dot and stem else ""


@dataclass(frozen=True, slots=True)
class UploadInfo:
    """What the HTTP layer learnt about one uploaded part (the bytes stay spooled outside)."""

    field: str
    filename: str
    content_type: str
    size: int
    head: bytes
    sha256: str

    @property
    def safe_filename(self) -> str:
        return sanitise_filename(self.filename)

    @property
    def is_absent(self) -> bool:
        """A file input left empty: browsers still send a part, with no name and no bytes."""
        return self.size == 0 and not self.filename.strip()


def _size_text(size: int) -> str:
    return f"{size / MIB:g} MB" if size % MIB == 0 else f"{size / MIB:.1f} MB"


def check_upload(info: UploadInfo, max_bytes: int, label: str = "File") -> FileType | list[FieldError]:
    """The sniffed type, or every problem with the file as field errors on `info.field`."""
    if info.size <= 0 or not info.head:
        return [FieldError(info.field, "empty_file", f"{label} is empty")]
    errors: list[FieldError] = []
    if info.size > max_bytes:
        message = f"{label} is {_size_text(info.size)}, larger than the {_size_text(max_bytes)} limit"
        errors.append(FieldError(info.field, "file_too_large", message))
    found = sniff_file_type(info.head)
    if found is None:
        message = f"{label} must be a PNG, JPEG or PDF file; its content is none of these"
        return [*errors, FieldError(info.field, "invalid_file_type", message)]
    # One error per file, however many of its labels (name, declared type) disagree with its content.
    mismatches: list[str] = []
    ext = filename_extension(info.filename)
    if ext and ACCEPTED_EXTENSIONS.get(ext) is not found:
        mismatches.append(f"is named .{ext}")
    declared = info.content_type.partition(";")[0].strip().lower()
    if declared not in _UNDECLARED_CONTENT_TYPES and ACCEPTED_CONTENT_TYPES.get(declared) is not found:
        mismatches.append(f"was sent as {declared[:100]}")
    if mismatches:
        message = f"{label} is {found.label} but " + " and ".join(mismatches)
        errors.append(FieldError(info.field, "invalid_file_type", message))
    return errors or found
