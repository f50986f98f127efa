"""The fonts of every PDF: DejaVu (Cyrillic), registered with reportlab once per process.

Nothing is bundled: the fonts come from the system (``fonts-dejavu``; ``DOCUMENTS_FONT_DIR``).
Without them a PDF cannot be made, and the error says what to install.

Each PDF embeds the subset of the glyphs it uses. reportlab builds that subset anew for every
document, in the order the characters first appear, and compresses it: for a bill, two fonts,
a fifth of its time. Here every document's subset starts with :data:`ALPHABET` (what any bill or
statement may print: ASCII, Cyrillic, the few typographic signs), so the subset files, their
character maps and widths are the same for every document and are built, compressed and
formatted once per process (:class:`SubsetCachingTTFont`). A character outside the alphabet
still works: it only makes that document's subset its own (built as reportlab does).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap

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
        pdfmetrics.registerFont(SubsetCachingTTFont(name, str(font_dir() / file)))


# Assigned first in every document, in this order (ASCII is always in reportlab's first subset).
ALPHABET = (
    "".join(map(chr, range(32, 127)))
    + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    + "«»№–—−‘’“”„…·×₽°±"
)


class _Formatted(pdfdoc.PDFObject):
    """A top-level PDF object of one document whose bytes were formatted once (a stream, no references)."""

    __RefOnly__ = 1

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


def _stream(content: bytes, compressed: bool, **entries: int) -> bytes:
    """A stream object's bytes, as ``pdfdoc.PDFStream.format`` writes them (no encryption)."""
    if compressed:
        content = zlib.compress(content, 9)  # once per process: the smallest
    head = "".join(f" /{key} {value}" for key, value in entries.items())
    filters = " /Filter [ /FlateDecode ]" if compressed else ""
    return f"<<{filters}{head} /Length {len(content)} >>\nstream\n".encode() + content + b"endstream\n"


class SubsetCachingTTFont(TTFont):
    """A TTFont whose documents all start with :data:`ALPHABET` and share the resulting subsets.

    ``addObjects`` is reportlab's (``TTFont.addObjects``, ``TTFontFace.addSubsetObjects``, 5.x)
    with the font file, the ToUnicode map and the widths made once per distinct subset.
    """

    _CACHE_SIZE = 16  # distinct subsets kept (the alphabet's, and a few with rare characters)

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._parts: dict[tuple[int, bool, tuple[int, ...]], tuple[bytes, bytes, bytes]] = {}

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        if doc not in self.state:
            super().splitString(ALPHABET, doc)
        return super().splitString(text, doc, encoding)

    def _subset_parts(self, index: int, subset: Sequence[int], compressed: bool) -> tuple[bytes, bytes, bytes]:
        key = (index, compressed, tuple(subset))
        parts = self._parts.get(key)
        if parts is None:
            face = self.face
            base_name = (b"".join((SUBSETN(index), b"+", face.name, face.subfontNameX))).decode("pdfdoc")
            font_file = face.makeSubset(subset)
            parts = (
                _stream(font_file, compressed, Length1=len(font_file)),
                _stream(makeToUnicodeCMap(base_name, subset).encode("ascii"), compressed),
                pdfdoc.PDFArray(list(map(face.getCharWidth, subset))).format(pdfdoc.DummyDoc()),
            )
            if len(self._parts) >= self._CACHE_SIZE:
                self._parts.clear()
            self._parts[key] = parts
        return parts

    def addObjects(self, doc: Any) -> None:
        state = self._assignState(doc)
        state.frozen = 1
        face = self.face
        for index, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(index, doc)[1:]
            base_name = (b"".join((SUBSETN(index), b"+", face.name, face.subfontNameX))).decode("pdfdoc")
            font_file, to_unicode, widths = self._subset_parts(index, subset, bool(doc.compression))
            descriptor = pdfdoc.PDFDictionary(
                {
                    "Type": "/FontDescriptor",
                    "Ascent": face.ascent,
                    "CapHeight": face.capHeight,
                    "Descent": face.descent,
                    "Flags": (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                    "FontBBox": pdfdoc.PDFArray(face.bbox),
                    "FontName": pdfdoc.PDFName(base_name),
                    "ItalicAngle": face.italicAngle,
                    "StemV": face.stemV,
                    "FontFile2": doc.Reference(_Formatted(font_file), f"fontFile:{face.filename}({base_name})"),
                    "MissingWidth": face.defaultWidth,
                }
            )
            font = pdfdoc.PDFTrueTypeFont()
            font.Name = internal_name
            font.BaseFont = base_name
            font.FirstChar = 0
            font.LastChar = len(subset) - 1
            font.Widths = widths
            font.ToUnicode = doc.Reference(_Formatted(to_unicode), "toUnicodeCMap:" + base_name)
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = font
        del self.state[doc]
