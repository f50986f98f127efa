"""Real files for upload tests: pictures drawn with Pillow, PDFs written with pypdf, and impostors."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter


def jpeg_bytes(size=(64, 48), *, exif: bytes | None = None, noise: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    if noise:  # random pixels do not compress: a big file from a modest picture
        rng = random.Random(1)
        image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **({"exif": exif} if exif else {}))
    return out.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 90, 255)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# An ISO-BMFF "ftyp" box that says HEIC, as iPhones write it.
HEIC_BYTES = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(name: str = "meter.jpg") -> SimpleUploadedFile:
    return upload(name, jpeg_bytes(), "image/jpeg")
