"""Gallery uploads through Pillow: decode fully (the bytes decide the type, never the name), apply the
EXIF orientation to the pixels, and re-encode without EXIF, XMP, comments or text chunks.

The colour profile is kept: it carries no personal data and dropping it shifts the colours of photos
taken on wide-gamut phones. Animated images keep their first frame.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from typing import TYPE_CHECKING

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.gallery import CleanImage, ImageFormat

if TYPE_CHECKING:
    from PIL import Image

# Decoding cost is width x height, not file size: a small file can expand to gigabytes of pixels.
DEFAULT_MAX_PIXELS = 40_000_000
# `info` entries a re-encode may keep: pixel semantics only, nothing about the camera or the person.
_KEPT_INFO = ("transparency",)
_SAVE_OPTIONS: dict[ImageFormat, dict[str, object]] = {
    ImageFormat.JPEG: {"quality": 90, "optimize": True},
    ImageFormat.PNG: {"optimize": True},
    ImageFormat.WEBP: {"quality": 90, "method": 4},
}


def _invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_FILE_TYPE, message)


class PillowImageSanitizer:
    def __init__(self, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self._max_pixels = max_pixels

    async def sanitize(self, data: bytes) -> CleanImage:
        # Decoding is CPU-bound; keep the event loop free.
        return await asyncio.to_thread(self._sanitize, data)

    def _sanitize(self, data: bytes) -> CleanImage:
        # Imported on the first upload: a server worker that never sees one does not load Pillow.
        from PIL import Image, ImageOps, UnidentifiedImageError

        accepted = "JPEG, PNG or WebP"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data), formats=[f.name for f in ImageFormat]) as opened:
                    kind = ImageFormat[str(opened.format)]
                    if opened.width * opened.height > self._max_pixels:
                        raise _invalid(
                            f"The image is too large ({opened.width}x{opened.height} pixels); "
                            f"at most {self._max_pixels:,} pixels are accepted"
                        )
                    opened.load()
                    upright = ImageOps.exif_transpose(opened)
                    icc_profile = opened.info.get("icc_profile")
        except DomainError:
            raise
        except (UnidentifiedImageError, KeyError):
            raise _invalid(f"The file is not a {accepted} image") from None
        except (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError, Warning):
            raise _invalid(f"The file is not a readable {accepted} image (it may be damaged)") from None
        return self._encode(upright, kind, icc_profile)

    @staticmethod
    def _encode(image: Image.Image, kind: ImageFormat, icc_profile: bytes | None) -> CleanImage:
        image.info = {k: v for k, v in image.info.items() if k in _KEPT_INFO}
        if hasattr(image, "encoderinfo"):
            del image.encoderinfo
        options = dict(_SAVE_OPTIONS[kind])
        if icc_profile:
            options["icc_profile"] = icc_profile
        out = io.BytesIO()
        try:
            image.save(out, format=kind.name, **options)
        except (OSError, ValueError):
            raise _invalid(f"The image could not be re-encoded as {kind.name}") from None
        return CleanImage(data=out.getvalue(), format=kind, width=image.width, height=image.height)
