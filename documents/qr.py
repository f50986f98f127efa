"""The payment QR of a bill, ГОСТ Р 56042-2014: ``ST0001`` + encoding flag ``2`` (UTF-8), then ``|Key=Value``.

Required keys come first, in the standard's order (Name, PersonalAcc, BankName, BIC, CorrespAcc);
then the optional ones. ``Sum`` is in kopecks (omitted when nothing is due), ``PaymPeriod`` is
``MMYYYY``, ``QuittId`` the bill number, ``TechCode=02`` marks utilities. A value may not contain
the separator ``|``, so it is replaced by a space.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from segno import consts
from segno import encoder as segno_encoder

from billing.models import Bill

HEADER = "ST00012"


def _clean(value: object) -> str:
    return str(value).replace("|", " ").replace("\n", " ").strip()


def payment_fields(bill: Bill, *, account_number: str) -> list[tuple[str, str]]:
    company = settings.COMPANY
    fields = [
        ("Name", company["name"][:160]),
        ("PersonalAcc", company["account"]),
        ("BankName", company["bank_name"][:45]),
        ("BIC", company["bic"]),
        ("CorrespAcc", company["corr_account"]),
        ("PayeeINN", company["inn"]),
        ("KPP", company["kpp"]),
        ("PersAcc", account_number),
    ]
    to_pay = bill.to_pay
    if to_pay > 0:
        fields.append(("Sum", str(int(to_pay * 100))))
    fields += [
        ("Purpose", f"Оплата электроэнергии, л/с {account_number}, {bill.period.first_day:%m.%Y}"),
        ("PaymPeriod", f"{bill.period.first_day:%m%Y}"),
        ("QuittId", bill.number),
        ("TechCode", "02"),
    ]
    return [(key, _clean(value)) for key, value in fields]


def payment_text(bill: Bill, *, account_number: str) -> str:
    return HEADER + "".join(f"|{key}={value}" for key, value in payment_fields(bill, account_number=account_number))


def parse_payment_text(text: str) -> dict[str, str]:
    """The fields of a payment QR's text (the inverse of :func:`payment_text`); for tests and checks."""
    header, *pairs = text.split("|")
    if header != HEADER:
        raise ValueError(f"not a UTF-8 ГОСТ Р 56042-2014 payment text: {header!r}")
    return dict(pair.split("=", 1) for pair in pairs)


# --- The symbol ---------------------------------------------------------------------------------
#
# segno (pure Python) spends about 3.5 ms on a bill's ~360-byte text: bit by bit buffers, the
# Reed-Solomon division and the module placement, each a Python loop per bit or codeword. The
# encoder below makes the same symbol (version, error level, mask and every module: a property
# test compares it with ``segno.make``) in a tenth of the time: codewords as bytes and integers,
# Reed-Solomon by table rows, and per version a cached layout (function patterns, format and version
# information, where each data bit goes and its mask bit), so a symbol is one integer XOR and one
# gather. It covers what a payment text is, byte mode; anything else is left to segno.

ERROR_LEVEL = "m"
MASK = 0  # fixed: scoring all eight costs more than the rest of a bill, and every mask is valid


def matrix(text: str) -> list[str]:
    """The QR symbol of ``text`` (UTF-8, level M or boosted, ``MASK``), rows of ``"0"``/``"1"``, no quiet zone.

    The modules of ``segno.make(text, error="m", micro=False, encoding="utf-8", mask=MASK)``.
    """
    data = text.encode("utf-8")
    if segno_encoder.find_mode(data) != consts.MODE_BYTE:
        return _segno_rows(text)
    try:
        version, error = _version_and_error(len(data))
    except ValueError:
        return _segno_rows(text)  # too long for any version: let segno raise its own error
    layout = _layout(version, error, MASK)
    bits = int.from_bytes(_final_message(data, version, error), "big") << layout.remainder
    stream = format(bits ^ layout.mask_bits, f"0{layout.data_bits}b") + "01"
    flat = "".join(layout.gather(stream))
    width = layout.width
    return [flat[row : row + width] for row in range(0, width * width, width)]


def _segno_rows(text: str) -> list[str]:
    code = segno.make(text, error=ERROR_LEVEL, micro=False, encoding="utf-8", mask=MASK)
    return ["".join(map(str, row)) for row in code.matrix]


# segno's tables (capacities in bits per version and level, blocks per version and level).
_CAPACITY: dict[int, dict[int, int]] = consts.SYMBOL_CAPACITY  # type: ignore[assignment]
_BLOCKS: dict[int, dict[int, Any]] = consts.ECC  # type: ignore[assignment]
_BYTE_CC = consts.CHAR_COUNT_INDICATOR_LENGTH[consts.MODE_BYTE]
_M, _Q, _H = consts.ERROR_LEVEL_M, consts.ERROR_LEVEL_Q, consts.ERROR_LEVEL_H


def _data_length(version: int, count: int) -> int:
    return 4 + _BYTE_CC[segno_encoder.version_range(version)] + 8 * count


def _version_and_error(count: int) -> tuple[int, int]:
    """segno's choice: the smallest version that holds the data at level M, then the highest level
    (Q, H) that still fits that version (``boost_error``)."""
    for version in range(1, 41):
        length = _data_length(version, count)
        if _CAPACITY[version][_M] >= length:
            error = _M
            for better in (_Q, _H):
                if _CAPACITY[version][better] < length:
                    break
                error = better
            return version, error
    raise ValueError("data too long for a QR code")


def _final_message(data: bytes, version: int, error: int) -> bytes:
    """Data codewords (segno's bit stream, padded) and their error correction, interleaved."""
    capacity = _CAPACITY[version][error]
    cc_length = _BYTE_CC[segno_encoder.version_range(version)]
    length = _data_length(version, len(data))
    value = (((consts.MODE_BYTE << cc_length) | len(data)) << (8 * len(data))) | int.from_bytes(data, "big")
    terminator = min(capacity - length, 4)
    length += terminator
    padding = 8 - length % 8  # as segno: a whole zero byte when already on a boundary
    value <<= terminator + padding
    length += padding
    stream = value.to_bytes(length // 8, "big")[: capacity // 8]
    stream += bytes(0xEC if i % 2 == 0 else 0x11 for i in range(capacity // 8 - len(stream)))
    blocks, ecc = [], []
    start = 0
    for info in _BLOCKS[version][error]:
        rows = _rs_rows(info.num_total - info.num_data)
        for _ in range(info.num_blocks):
            block = stream[start : start + info.num_data]
            start += info.num_data
            blocks.append(block)
            ecc.append(_rs_remainder(block, info.num_total - info.num_data, rows))
    return _interleave(blocks) + _interleave(ecc)


def _interleave(blocks: list[bytes]) -> bytes:
    longest = max(len(block) for block in blocks)
    return bytes(block[i] for i in range(longest) for block in blocks if i < len(block))


@functools.lru_cache(maxsize=8)
def _rs_rows(count: int) -> tuple[int, ...]:
    """For every feedback byte f, f times the generator polynomial (without its leading term), as an integer."""
    log, exp, generator = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[count]
    rows = [0]
    for feedback in range(1, 256):
        rows.append(int.from_bytes(bytes(exp[log[feedback] + g] for g in generator), "big"))
    return tuple(rows)


def _rs_remainder(block: bytes, count: int, rows: tuple[int, ...]) -> bytes:
    """The Reed-Solomon error correction codewords of a block (the shift register as one integer)."""
    shift = 8 * (count - 1)
    full = (1 << (8 * count)) - 1
    register = 0
    for byte in block:
        feedback = byte ^ (register >> shift)
        register = ((register << 8) & full) ^ rows[feedback]
    return register.to_bytes(count, "big")


@dataclass(frozen=True)
class _Layout:
    width: int
    data_bits: int  # modules that carry the final message (remainder bits included)
    remainder: int  # zero bits after the codewords
    mask_bits: int  # the mask over the data modules, in placement order, as an integer
    gather: Callable[[str], tuple[str, ...]]  # the bit stream + "01" -> every module, row by row


@functools.lru_cache(maxsize=16)
def _layout(version: int, error: int, mask: int) -> _Layout:
    """Where each data bit of a symbol goes, and everything else about it that does not depend on the data.

    The function patterns come from segno's own builders; the walk is ``segno.encoder.add_codewords``'s
    (two-module columns, right to left, alternately up and down, skipping the vertical timing column).
    """
    width = version * 4 + 17
    template = segno_encoder.make_matrix(width, width)
    segno_encoder.add_finder_patterns(template, width, width)
    segno_encoder.add_alignment_patterns(template, width, width)
    positions: list[tuple[int, int]] = []
    for right in range(width - 1, 0, -2):
        if right <= 6:
            right -= 1
        for vertical in range(width):
            for z in (0, 1):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (width - 1 - vertical) if upwards else vertical
                if template[i][j] == 0x2:
                    positions.append((i, j))
                    template[i][j] = 0x3  # placed (a data module)
    segno_encoder.add_format_info(template, version, error, mask)
    segno_encoder.add_version_info(template, version)
    pattern = segno_encoder.get_data_mask_functions(False)[mask]
    mask_bits = 0
    for i, j in positions:
        mask_bits = (mask_bits << 1) | int(bool(pattern(i, j)))
    count = len(positions)
    order = {position: index for index, position in enumerate(positions)}
    indexes = [
        order[(i, j)] if template[i][j] == 0x3 else count + template[i][j] for i in range(width) for j in range(width)
    ]
    codewords = sum(info.num_blocks * info.num_total for info in _BLOCKS[version][error])
    return _Layout(width, count, count - 8 * codewords, mask_bits, operator.itemgetter(*indexes))
