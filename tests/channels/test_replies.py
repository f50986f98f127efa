"""Every reply fits two SMS parts (UCS-2: 134 characters), whatever the data: the longest numbers,
three zones read on different days, many accounts on one phone."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from channels import replies
from channels.commands import parse_command
from channels.segments import segments
from core.periods import Period
from metering.models import Reading
from metering.rules import Window

ACCOUNTS = st.text(alphabet="0123456789", min_size=10, max_size=10)
VALUES = st.integers(0, 999_999_999)
DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
STATES = st.sampled_from([Reading.State.ACCEPTED, Reading.State.BILLED])
SCHEMES = st.sampled_from([1, 2, 3])


def fits(text: str) -> bool:
    return bool(text.strip()) and segments(text).parts <= 2


@st.composite
def meters(draw):
    scheme = draw(SCHEMES)
    latest = {}
    for zone in replies.SMS_ZONES[scheme]:
        if draw(st.booleans()) or scheme == 1:
            day = draw(DAYS)
            latest[zone] = Reading(
                zone=zone, value=draw(VALUES), taken_on=day, state=draw(STATES), period=Period.of(day)
            )
    return scheme, draw(st.text(alphabet="0123456789ABC", min_size=4, max_size=20)), latest


@given(ACCOUNTS, st.lists(meters(), max_size=3), DAYS, st.integers(1, 14), st.integers(15, 28))
def test_readings_info_always_fits(number, latest, today, opens, closes):
    window = Window(opens, closes).status(today)
    assert fits(replies.readings_info(number=number, meters=latest, window=window))


@given(st.lists(ACCOUNTS, min_size=2, max_size=40, unique=True), st.sampled_from(["001", "003", "004"]))
def test_the_list_of_accounts_always_fits(numbers, code):
    reply = replies.choose_account(code, sorted(numbers))
    assert fits(reply)
    assert f"{code}#{sorted(numbers)[0]}" in reply  # the syntax with a real account to copy


@given(ACCOUNTS, SCHEMES, VALUES, st.integers(0, 10**9), st.booleans(), st.booleans(), DAYS)
def test_an_accepted_submission_always_fits(number, scheme, value, volume, replaced, rollover, day):
    values = {zone: value for zone in replies.SMS_ZONES[scheme]}
    reply = replies.accepted(
        number=number, scheme=scheme, period=Period.of(day), values=values, volume=volume, replaced=replaced,
        rollover=rollover,
    )  # fmt: skip
    assert fits(reply)
    assert number in reply and Period.of(day).label in reply


@given(st.text(max_size=300), st.integers(0, 10**12))
def test_the_request_to_confirm_always_fits(text, volume):
    command = parse_command("001#" + text)
    assert fits(replies.implausible(command, str(volume)))


@given(st.text(max_size=300))
def test_the_integer_only_explanation_always_fits(typed):
    assert fits(replies.fraction(typed))


@given(st.sampled_from(["reading_unknown", "reading_not_number", "meter_removed", "x"]), st.text(max_size=500))
def test_any_refusal_always_fits(code, message):
    assert fits(replies.refused(code, message=message, scheme=3, account="6300000001", digits=9, number="6300000001"))


def test_the_fixed_texts_fit_one_or_two_parts():
    for text in (
        replies.help_text(),
        replies.unlinked_phone(),
        replies.rate_limited(15),
        replies.several_meters("1" * 10),
    ):
        assert fits(text), text
