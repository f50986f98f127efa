"""Checking an uploaded file before it is stored: is it what it claims to be, and small enough.

A file passes only if
- its size is within ``SERVICE_ATTACHMENT_MAX_BYTES`` and it is not empty;
- its extension names an accepted type (``SERVICE_ATTACHMENT_TYPES``);
- its content, sniffed from the first bytes (the ``filetype`` library), is that same type: a PDF
  renamed to ``.jpg`` or a program renamed to ``.png`` is refused;
- an image opens and decodes fully with Pillow within ``SERVICE_ATTACHMENT_MAX_PIXELS``; it is then
  re-encoded without its metadata (EXIF with the place and the phone model is personal data we do not
  need, and re-encoding leaves nothing but pixels: no appended payload);
- a PDF parses with pypdf and is not password-protected.

:func:`inspect` returns a :class:`CheckedFile` (the only thing ``services`` stores) or raises a
:class:`~core.errors.DomainError` whose message names the file and says what to do.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from core.errors import DomainError

# Types this module knows how to check, their extensions and what people call them.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the customer's file name, cleaned of paths and control characters
    content: bytes
    content_type: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def accepted_types() -> list[str]:
    return [t for t in settings.SERVICE_ATTACHMENT_TYPES if t in EXTENSIONS]


def accepted_extensions() -> list[str]:
    return [ext for t in accepted_types() for ext in EXTENSIONS[t]]


def accepted_description() -> str:
    """ "JPEG, PNG или PDF до 10 МБ" for help texts."""
    names = [TYPE_NAMES[t] for t in accepted_types()]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + _(" или ") + names[-1]
    return _("%(types)s, до %(mb)s МБ каждый") % {
        "types": joined,
        "mb": _megabytes(settings.SERVICE_ATTACHMENT_MAX_BYTES),
    }


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}".replace(".", ",")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = _CONTROL.sub("", unicodedata.normalize("NFC", base)).strip(" .") or "file"
    stem, ext = os.path.splitext(base)
    return stem[: 200 - len(ext[:10])] + ext[:10]


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="uploads")


def inspect(upload: Any) -> CheckedFile:
    """Check one uploaded file (a Django ``UploadedFile`` or anything with ``name``, ``size``, ``read``)."""
    name = clean_name(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    limit = settings.SERVICE_ATTACHMENT_MAX_BYTES
    if size is not None and size > limit:  # before reading a byte of it
        raise _too_big(name, size, limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if not content:
        raise _refuse("attachment_empty", _("Файл «%(name)s» пустой.") % {"name": name})
    if len(content) > limit:
        raise _too_big(name, len(content), limit)

    extension = os.path.splitext(name)[1].lower()
    claimed = next((t for t in accepted_types() if extension in EXTENSIONS[t]), None)
    sniffed = filetype.guess_mime(content[:SNIFF_BYTES])
    if sniffed == "image/heic" or extension in (".heic", ".heif"):
        raise _refuse(
            "attachment_heic",
            _(
                "Фото «%(name)s» в формате HEIC не принимается. Сохраните его как JPEG (на iPhone: "
                "Настройки → Камера → Форматы → «Наиболее совместимый») или сделайте снимок экрана."
            )
            % {"name": name},
        )
    if claimed is None:
        raise _refuse(
            "attachment_type",
            _("Файл «%(name)s» не принимается: прикрепите %(accepted)s.")
            % {"name": name, "accepted": accepted_description()},
        )
    if sniffed != claimed:
        actual = TYPE_NAMES.get(sniffed or "", "")
        raise _refuse(
            "attachment_mismatch",
            (
                _("Файл «%(name)s» назван как %(claimed)s, но на самом деле это %(actual)s. Прикрепите исходный файл.")
                % {"name": name, "claimed": TYPE_NAMES[claimed], "actual": actual}
            )
            if actual and sniffed in accepted_types()
            else _("Содержимое файла «%(name)s» не похоже на %(claimed)s: файл повреждён или это файл другого типа.")
            % {"name": name, "claimed": TYPE_NAMES[claimed]},
        )
    if claimed in PILLOW_FORMATS:
        content = _clean_image(content, name=name, expected=PILLOW_FORMATS[claimed])
    else:
        _check_pdf(content, name=name)
    return CheckedFile(name=name, content=content, content_type=claimed, extension=EXTENSIONS[claimed][0])


def _too_big(name: str, size: int, limit: int) -> DomainError:
    return _refuse(
        "attachment_too_big",
        _("Файл «%(name)s» весит %(size)s МБ, а можно не больше %(limit)s МБ. Уменьшите фото или сожмите PDF.")
        % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
    )


def _broken(name: str) -> DomainError:
    return _refuse(
        "attachment_broken",
        _("Файл «%(name)s» повреждён и не открывается. Сохраните его заново и прикрепите ещё раз.") % {"name": name},
    )


def _clean_image(content: bytes, *, name: str, expected: str) -> bytes:
    """Decode the whole picture and write its pixels again, in the same format, without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format != expected:
                    raise _broken(name)
                width, height = probe.size
                if width * height > settings.SERVICE_ATTACHMENT_MAX_PIXELS:
                    raise _refuse(
                        "attachment_too_many_pixels",
                        _("Изображение «%(name)s» слишком большое (%(w)s×%(h)s точек). Уменьшите его.")
                        % {"name": name, "w": width, "h": height},
                    )
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                picture = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if expected == "JPEG":
                    if picture.mode not in ("RGB", "L"):
                        picture = picture.convert("RGB")
                    picture.save(out, "JPEG", quality=90, optimize=True)
                else:
                    picture.save(out, "PNG", optimize=True)
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise _broken(name) from None
    return out.getvalue()


def _check_pdf(content: bytes, *, name: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _refuse(
                "attachment_pdf_encrypted",
                _("PDF «%(name)s» защищён паролем: сохраните его без пароля и прикрепите снова.") % {"name": name},
            )
        if len(reader.pages) == 0:
            raise _broken(name)
    except DomainError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError):
        raise _broken(name) from None


def inspect_all(uploads: list[Any]) -> list[CheckedFile]:
    """Every file of one form, or the first refusal; also the number of files per message."""
    if len(uploads) > settings.SERVICE_ATTACHMENT_MAX_FILES:
        raise _refuse(
            "attachment_too_many",
            _("Можно прикрепить не больше %(n)s файлов к одному сообщению.")
            % {"n": settings.SERVICE_ATTACHMENT_MAX_FILES},
        )
    return [inspect(upload) for upload in uploads]
