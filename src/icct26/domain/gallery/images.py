"""Gallery images: the accepted formats, what is stored about an image, and the caption rule."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from icct26.domain.errors import FieldError, ValidationFailed

MAX_CAPTION_LENGTH = 300


class ImageFormat(Enum):
    """Formats browsers show everywhere; the value is (content type, file extension)."""

    JPEG = ("image/jpeg", "jpg")
    PNG = ("image/png", "png")
    WEBP = ("image/webp", "webp")

    @property
    def content_type(self) -> str:
        return self.value[0]

    @property
    def extension(self) -> str:
        return self.value[1]


@dataclass(frozen=True, slots=True)
class CleanImage:
    """An upload that decoded as an accepted image, re-encoded without its metadata."""

    data: bytes
    format: ImageFormat
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class NewGalleryImage:
    storage_key: str
    format: ImageFormat
    width: int
    height: int
    size_bytes: int
    caption: str | None
    uploaded_by: str | None


@dataclass(frozen=True, slots=True)
class GalleryImage:
    id: int
    storage_key: str
    format: ImageFormat
    width: int
    height: int
    size_bytes: int
    caption: str | None
    uploaded_by: str | None
    uploaded_at: datetime

    @property
    def filename(self) -> str:
        """The name links end in, so the real extension shows (`gallery/<uuid>.jpg` -> `<uuid>.jpg`)."""
        return self.storage_key.rsplit("/", 1)[-1]


def clean_caption(raw: str | None) -> str | None:
    """Trimmed caption with whitespace runs collapsed and control characters refused; blank = none."""
    if raw is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if not text:
        return None
    errors = []
    if len(text) > MAX_CAPTION_LENGTH:
        errors.append(
            FieldError("caption", "too_long", f"caption must be at most {MAX_CAPTION_LENGTH} characters")
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        errors.append(FieldError("caption", "invalid_characters", "caption contains control characters"))
    if errors:
        raise ValidationFailed(errors)
    return text
