"""Pillow sanitizer and caption rule: content decides the type; metadata never survives a re-encode."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from icct26.adapters.images.pillow_sanitizer import PillowImageSanitizer
from icct26.domain.errors import DomainError, ErrorCode, ValidationFailed
from icct26.domain.gallery import MAX_CAPTION_LENGTH, ImageFormat, clean_caption
from tests.support.gallery_images import (
    CAMERA,
    GPS_IFD,
    gif_image,
    jpeg_with_exif,
    noise_png,
    png_with_text,
    webp_image,
)

pytestmark = pytest.mark.asyncio


async def test_jpeg_exif_is_removed_and_orientation_applied() -> None:
    original = jpeg_with_exif(64, 32, orientation=6)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif()[0x010F] == CAMERA
        assert before.getexif().get_ifd(GPS_IFD)
    clean = await PillowImageSanitizer().sanitize(original)
    assert clean.format is ImageFormat.JPEG
    assert (clean.width, clean.height) == (32, 64)  # turned upright
    assert CAMERA.encode() not in clean.data and b"Exif" not in clean.data
    assert b"shot at home" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.format == "JPEG"
        assert dict(after.getexif()) == {}
        assert "exif" not in after.info and "xmp" not in after.info and "comment" not in after.info
        # Orientation 6 turns the left half (blue marker) to the top.
        red, _green, blue = after.convert("RGB").getpixel((16, 5))  # type: ignore[misc]
        assert blue > 150 and red < 100


async def test_png_text_chunks_are_removed_and_transparency_kept() -> None:
    clean = await PillowImageSanitizer().sanitize(png_with_text())
    assert clean.format is ImageFormat.PNG and (clean.width, clean.height) == (40, 30)
    assert b"Someone Private" not in clean.data and b"Church Street" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.mode == "RGBA" and after.getpixel((0, 0)) == (0, 128, 0, 128)
        assert not getattr(after, "text", {})


async def test_webp_is_accepted() -> None:
    clean = await PillowImageSanitizer().sanitize(webp_image())
    assert clean.format is ImageFormat.WEBP and (clean.width, clean.height) == (20, 10)


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, named photo.jpg by its sender",
        b"",
        gif_image(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        jpeg_with_exif()[:200],  # truncated: the header is fine, the pixels are not
    ],
    ids=["text", "empty", "gif", "pdf", "truncated-jpeg"],
)
async def test_anything_else_is_invalid_file_type(data: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        await PillowImageSanitizer().sanitize(data)
    assert caught.value.code is ErrorCode.INVALID_FILE_TYPE


async def test_pixel_count_is_bounded_before_decoding() -> None:
    with pytest.raises(DomainError) as caught:
        await PillowImageSanitizer(max_pixels=100 * 100).sanitize(noise_png(101, 100))
    assert caught.value.code is ErrorCode.INVALID_FILE_TYPE
    assert "101x100" in caught.value.message


def test_caption_rule() -> None:
    assert clean_caption(None) is None
    assert clean_caption("   ") is None
    assert clean_caption("  Final   day\n at  CSI ") == "Final day at CSI"
    assert clean_caption("x" * MAX_CAPTION_LENGTH) == "x" * MAX_CAPTION_LENGTH
    with pytest.raises(ValidationFailed) as too_long:
        clean_caption("x" * (MAX_CAPTION_LENGTH + 1))
    assert too_long.value.errors[0].field == "caption"
    with pytest.raises(ValidationFailed):
        clean_caption("bell\x07 inside")
