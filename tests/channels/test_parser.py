"""The SMS command language: what people type is read into one command, whatever the spacing or case."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.commands import (
    BAD_ACCOUNT,
    HELP,
    INFO,
    INVALID,
    NO_VALUES,
    PAYMENT,
    READINGS,
    SYNTAX,
    Command,
    normalize,
    parse_command,
)

ACCOUNT = "6300000004"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("001#123456", Command(READINGS, values=("123456",), code="001")),
        ("001#333333;777777", Command(READINGS, values=("333333", "777777"), code="001")),
        ("001#111111;333333;555555", Command(READINGS, values=("111111", "333333", "555555"), code="001")),
        (f"001#{ACCOUNT}#123456", Command(READINGS, account=ACCOUNT, values=("123456",), code="001")),
        ("001#123456#да", Command(READINGS, values=("123456",), confirmed=True, code="001")),
        (f"001#{ACCOUNT}#1;2#OK", Command(READINGS, account=ACCOUNT, values=("1", "2"), confirmed=True, code="001")),
        ("003#", Command(INFO, code="003")),
        ("003", Command(INFO, code="003")),
        (f"003#{ACCOUNT}", Command(INFO, account=ACCOUNT, code="003")),
        ("004#", Command(PAYMENT, code="004")),
        (f"004#{ACCOUNT}#", Command(PAYMENT, account=ACCOUNT, code="004")),
    ],
)
def test_every_command_form_is_read(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "  001 # 333333 ; 777777  ",
        "001#333333;777777\n",
        "\t001#  333333;   777777 ",
        "001＃333333；777777",  # full-width signs of some phone keyboards
        "001№333333;777777",
        "001#333333;777777;",
    ],
)
def test_spaces_around_separators_and_look_alike_signs_are_tolerated(text):
    assert parse_command(text) == Command(READINGS, values=("333333", "777777"), code="001")


def test_case_does_not_matter_for_the_confirmation():
    assert parse_command("001#123456#ДА").confirmed
    assert parse_command("001#123456 # Ok").confirmed


def test_a_value_with_a_decimal_separator_is_flagged():
    assert parse_command("001#12345,6").fraction == "12345,6"
    assert parse_command("001#12345;678.9").fraction == "678.9"
    assert parse_command("001#12345;6789").fraction == ""


def test_a_space_inside_a_number_is_kept_for_the_readings_rules():
    assert parse_command("001#11 400").values == ("11 400",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("001#", NO_VALUES),
        ("001", NO_VALUES),
        ("001#;", NO_VALUES),
        (f"001#{ACCOUNT}", NO_VALUES),
        (f"001#{ACCOUNT}#", NO_VALUES),
        ("001#12345#123456", BAD_ACCOUNT),
        ("003#12345", BAD_ACCOUNT),
        ("004#абв", BAD_ACCOUNT),
        (f"001#{ACCOUNT}#1#2", SYNTAX),
        (f"003#{ACCOUNT}#1", SYNTAX),
    ],
)
def test_a_malformed_command_says_what_is_wrong(text, problem):
    command = parse_command(text)
    assert (command.kind, command.problem) == (INVALID, problem)


@pytest.mark.parametrize("text", ["", "   ", "привет", "002#123", "показания 123456", "#001#1", "1234", "12#"])
def test_anything_else_is_a_request_for_help(text):
    assert parse_command(text).kind == HELP


@given(st.text(max_size=300))
def test_any_text_is_read_into_a_command(text):
    command = parse_command(text)
    assert command.kind in {READINGS, INFO, PAYMENT, HELP, INVALID}
    if command.kind == READINGS:
        assert command.values and command.code == "001"
    if command.kind == HELP:
        assert not re.fullmatch(r"00[134](#.*)?", normalize(text), re.DOTALL)


digits = st.text(alphabet="0123456789", min_size=1, max_size=9)
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def typed_commands(draw):
    """A well-formed command, written as a person might: random spaces and case."""
    code = draw(st.sampled_from(["001", "003", "004"]))
    account = draw(st.none() | st.text(alphabet="0123456789", min_size=10, max_size=10))
    values = tuple(draw(st.lists(digits, min_size=1, max_size=3))) if code == "001" else ()
    confirmed = code == "001" and draw(st.booleans())
    parts = [code] + ([account] if account else [])
    if values:
        parts.append(";".join(f"{draw(spaces)}{v}{draw(spaces)}" for v in values))
    if confirmed:
        parts.append(draw(st.sampled_from(["да", "ДА", "Да", "ok", "OK"])))
    text = "".join(f"{p}{draw(spaces)}#{draw(spaces)}" if i < len(parts) - 1 else p for i, p in enumerate(parts))
    if code != "001" and not account and draw(st.booleans()):
        text += "#"
    kind = {"001": READINGS, "003": INFO, "004": PAYMENT}[code]
    return draw(spaces) + text + draw(spaces), Command(kind, account, values, confirmed, code=code)


@given(typed_commands())
def test_a_well_formed_command_is_read_exactly_however_it_is_spaced(case):
    text, expected = case
    assert parse_command(text) == expected


@given(typed_commands())
def test_the_canonical_text_of_a_command_reads_back_the_same(case):
    _, command = case
    assert parse_command(command.text()) == command


@given(st.lists(digits, min_size=1, max_size=3), st.integers(0, 2), st.sampled_from([",", "."]), digits)
def test_the_first_value_with_a_separator_is_the_one_explained(values, where, separator, decimals):
    where = min(where, len(values) - 1)
    values[where] = values[where] + separator + decimals
    assert parse_command("001#" + ";".join(values)).fraction == values[where]
