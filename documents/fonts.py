"""The fonts of every PDF: DejaVu (Cyrillic), registered with reportlab once per process.

Nothing is bundled: the fonts come from the system (``fonts-dejavu``; ``DOCUMENTS_FONT_DIR``).
Without them a PDF cannot be made, and the error says what to install.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


class FontsMissing(RuntimeError):
    pass


def font_dir() -> Path:
    return Path(getattr(settings, "DOCUMENTS_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


def missing_fonts() -> list[Path]:
    return [font_dir() / name for name in _FILES.values() if not (font_dir() / name).exists()]


def register() -> None:
    """Idempotent and cheap after the first call."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    missing = missing_fonts()
    if missing:
        raise FontsMissing(
            f"PDF fonts not found: {', '.join(map(str, missing))}. Install fonts-dejavu "
            "(apt-get install fonts-dejavu-core) or point DOCUMENTS_FONT_DIR at a folder with DejaVuSans*.ttf."
        )
    # Binary (zlib only) streams instead of zlib + ASCII85: a third smaller and faster to write; every
    # PDF reader takes them. A process-wide reportlab setting, harmless to other PDFs.
    rl_config.useA85 = 0
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_dir() / file)))
