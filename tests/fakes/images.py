"""ImageSanitizer: a tiny made-up image format, so tests can see metadata go in and not come out.

`fake_image(ImageFormat.JPEG, 64, 32, metadata=b"GPS ...")` is an upload; the sanitizer accepts it,
and returns the same picture with the metadata dropped. Anything else is refused as the real
(Pillow) sanitizer refuses a file it cannot decode.
"""

from __future__ import annotations

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.gallery import CleanImage, ImageFormat

MAGIC = b"FAKEIMG"
PIXELS = b"pixels"


def fake_image(image_format: ImageFormat, width: int, height: int, *, metadata: bytes = b"") -> bytes:
    size = f"{width}x{height}".encode()
    return b"|".join([MAGIC, image_format.extension.encode(), size, metadata, PIXELS])


class FakeImageSanitizer:
    def __init__(self) -> None:
        self.inputs: list[bytes] = []

    async def sanitize(self, data: bytes) -> CleanImage:
        self.inputs.append(data)
        parts = data.split(b"|")
        formats = {f.extension.encode(): f for f in ImageFormat}
        if len(parts) != 5 or parts[0] != MAGIC or parts[1] not in formats:
            raise DomainError(ErrorCode.INVALID_FILE_TYPE, "Only JPEG, PNG and WebP images are accepted")
        width, height = (int(n) for n in parts[2].split(b"x"))
        image_format = formats[parts[1]]
        return CleanImage(fake_image(image_format, width, height), image_format, width, height)
