"""Images for gallery tests, made with Pillow: a JPEG with camera, GPS and orientation EXIF, noise PNGs."""

from __future__ import annotations

import io
import os

from PIL import Image, PngImagePlugin

ORIENTATION = 0x0112
MAKE = 0x010F
MODEL = 0x0110
GPS_IFD = 0x8825
CAMERA = "SecretCam 3000"


def jpeg_with_exif(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    """A JPEG whose EXIF names the camera, carries GPS coordinates and asks for a 90-degree turn."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(width // 2):  # a marker in the left half, to see the rotation
        for y in range(height):
            image.putpixel((x, y), (20, 20, 220))
    exif = Image.Exif()
    exif[MAKE] = CAMERA
    exif[MODEL] = "Model X"
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (12.0, 58.0, 13.5), 3: "E", 4: (77.0, 35.0, 40.2)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"shot at home")
    return out.getvalue()


def png_with_text(width: int = 40, height: int = 30) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone Private")
    info.add_text("Location", "12 Church Street")
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 128)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def webp_image(width: int = 20, height: int = 10) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(out, format="WEBP")
    return out.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """Incompressible pixels, so the file is about width x height x 3 bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


def gif_image() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue()
