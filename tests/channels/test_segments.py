"""SMS length: GSM-7 when every character is in the GSM alphabet (160 single, 153 per part),
UCS-2 as soon as one is not (any Cyrillic letter: 70 single, 67 per part)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.segments import segments


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("A" * 160, "GSM-7", 1),
        ("A" * 161, "GSM-7", 2),
        ("A" * 306, "GSM-7", 2),
        ("A" * 307, "GSM-7", 3),
        ("Ж" * 70, "UCS-2", 1),
        ("Ж" * 71, "UCS-2", 2),
        ("Ж" * 134, "UCS-2", 2),
        ("Ж" * 135, "UCS-2", 3),
    ],
)
def test_a_message_is_split_at_the_limits_of_its_encoding(text, encoding, parts):
    result = segments(text)
    assert (result.encoding, result.parts) == (encoding, parts)


def test_one_cyrillic_letter_turns_a_latin_text_into_ucs2():
    assert segments("001#123456 OK" + "я").encoding == "UCS-2"
    assert segments("A" * 100 + "я").parts == 2  # 101 characters: one GSM-7 part, two UCS-2 parts


def test_an_extension_character_takes_two_septets_and_is_never_split():
    assert segments("€" * 80).units == 160
    assert segments("€" * 80).parts == 1
    assert segments("€" * 81).parts == 2
    # 152 septets then an escape pair: the pair does not fit the first part's 153, it starts the second.
    assert segments("A" * 152 + "[" + "A" * 152).parts == 3


def test_an_emoji_takes_two_ucs2_units():
    assert segments("😀" * 35).units == 70
    assert segments("😀" * 35).parts == 1
    assert segments("я" * 66 + "😀" + "я" * 67).parts == 3  # the pair does not straddle parts


@given(st.text(max_size=600))
def test_parts_follow_from_the_units_of_the_encoding(text):
    result = segments(text)
    single, per_part = (160, 153) if result.encoding == "GSM-7" else (70, 67)
    if result.units <= single:
        assert result.parts == 1
    else:  # a two-unit character never straddles parts: at most one unit per part is left empty
        assert -(-result.units // per_part) <= result.parts <= -(-result.units // (per_part - 1))
