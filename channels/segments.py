"""How many SMS parts a text takes (3GPP TS 23.038): GSM-7 when every character is in the GSM
alphabet, UCS-2 otherwise (any Cyrillic letter).

A single GSM-7 message holds 160 septets, a part of a long one 153 (the rest is the
concatenation header); an extension character (``€``, ``[``, ``|``...) takes two septets and is
never split across parts. UCS-2: 70 UTF-16 code units single, 67 per part; a character outside
the Basic Multilingual Plane (an emoji) takes two units and is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(sizes: list[int], single: int, part: int) -> int:
    """Parts needed for characters of these sizes: one if they fit ``single``, else greedy ``part``-sized parts."""
    total = sum(sizes)
    if total <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def segments(text: str) -> Segments:
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return Segments("GSM-7", sum(sizes), _pack(sizes, GSM7_SINGLE, GSM7_PART))
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return Segments("UCS-2", sum(sizes), _pack(sizes, UCS2_SINGLE, UCS2_PART))


def fits(text: str, *, parts: int = 2) -> bool:
    return bool(text) and segments(text).parts <= parts
