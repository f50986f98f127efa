"""The payment QR's own encoder makes exactly the symbol segno makes, and zbar reads it back."""

import pytest
import segno
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from documents import qr


def segno_rows(text: str) -> list[str]:
    code = segno.make(text, error="m", micro=False, encoding="utf-8", mask=qr.MASK)
    return ["".join(map(str, row)) for row in code.matrix]


# Payment texts: ``ST00012|Key=Value...`` with Cyrillic, Latin, digits and punctuation, from a few
# bytes to beyond what a bill carries (versions 2 to 40, every error level segno's boost reaches).
fields = st.lists(
    st.tuples(
        st.sampled_from(["Name", "Purpose", "PersAcc", "Sum", "QuittId", "BankName"]),
        st.text(alphabet=st.sampled_from("АБВЖЁабвжё «»№.,-/ 0123456789ABCabc"), max_size=120),
    ),
    max_size=12,
)


@settings_hypothesis(max_examples=300, deadline=None)
@given(pairs=fields)
def test_the_symbol_of_any_payment_text_is_segnos_module_for_module(pairs):
    text = qr.HEADER + "".join(f"|{key}={value}" for key, value in pairs)
    assert qr.matrix(text) == segno_rows(text)


@settings_hypothesis(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=1200))
def test_any_text_gets_segnos_symbol_whatever_its_mode(text):
    """Digits only, alphanumerics or Kanji go to segno itself; byte mode to the fast encoder."""
    assert qr.matrix(text) == segno_rows(text)


def test_every_length_up_to_the_largest_versions_matches():
    for length in [*range(0, 700, 7), 1200, 1800, 2300]:
        text = "ST00012|Purpose=" + "x" * length
        assert qr.matrix(text) == segno_rows(text), length


def test_a_text_too_long_for_any_symbol_is_refused_as_segno_refuses_it():
    with pytest.raises(segno.encoder.DataOverflowError):
        qr.matrix("ST00012|Purpose=" + "x" * 2400)


def test_zbar_reads_the_symbol_back(zbar):
    text = "ST00012|Name=АО «Демо Энергосбыт»|PersonalAcc=40702810000000000001|Sum=120000"
    rows = qr.matrix(text)
    scale, border = 6, 4
    size = (len(rows) + 2 * border) * scale
    picture = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(picture)
    for y, row in enumerate(rows):
        for x, module in enumerate(row):
            if module == "1":
                left, top = (x + border) * scale, (y + border) * scale
                draw.rectangle([left, top, left + scale - 1, top + scale - 1], fill=0)
    [decoded] = zbar.decode(picture)
    assert decoded.data.decode("utf-8") == text
