"""The gateway's side of /sms/inbound: signed bodies only, a reply for every message, each message
processed once, and one phone's flood never blocks another."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels.models import InboundSms
from channels.segments import segments
from metering.models import Reading
from notifications.models import LocalSms
from tests.messages import sms_texts

from .conftest import PHONE, sign

pytestmark = pytest.mark.django_db

BODY = json.dumps({"from": PHONE, "text": "001#11400", "message_id": "m-1"}).encode()


def nothing_happened():
    assert InboundSms.objects.count() == 0
    assert Reading.objects.filter(source=Reading.Source.SMS).count() == 0
    assert LocalSms.objects.count() == 0


# --- Signature -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        None,  # no header
        "",
        "not-hex",
        sign(BODY, "another-secret"),
        sign(BODY + b" "),  # the body was changed after signing
        sign(BODY)[:-2],
    ],
)
def test_a_body_without_the_right_signature_is_refused_and_nothing_happens(gateway, meter, signature):
    response = gateway.raw(BODY, signature=signature)
    assert response.status_code == 403
    assert response.json()["code"] == "signature_invalid"
    nothing_happened()


def test_the_signature_is_the_hex_hmac_of_the_raw_body_in_any_case(gateway, meter):
    response = gateway.raw(BODY, signature=sign(BODY).upper())
    assert response.status_code == 200
    assert "показания приняты" in response.json()["reply"]


def test_the_secret_is_a_setting(gateway, meter):
    with override_settings(SMS_WEBHOOK_SECRET="rotated"):
        assert gateway.raw(BODY, signature=sign(BODY)).status_code == 403
        assert gateway.raw(BODY, signature=sign(BODY, "rotated")).status_code == 200


def test_the_readme_example_is_accepted_as_written(gateway, db):
    # The README's worked example of the contract: this body, signed under the demo secret.
    body = b'{"from": "+79990000001", "text": "003#", "message_id": "gw-42"}'
    signature = "f8b4a2ebde4902ee5acea4845a39564ea9ff2bca77f755fc82cb244bfeda1047"
    response = gateway.raw(body, signature=signature)
    assert response.status_code == 200
    assert response.json()["reply"].startswith("Номер не привязан")


# --- Body ----------------------------------------------------------------------------------------


def test_form_encoded_and_json_bodies_are_both_accepted(gateway, meter):
    assert "приняты" in gateway.reply("001#11400", as_json=False)
    assert "исправлены" in gateway.reply("001#11410", as_json=True)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "003#", "message_id": "x"}, "field_required"),
        ({"from": PHONE, "message_id": "x"}, "field_required"),
        ({"from": PHONE, "text": "003#"}, "field_required"),
        ({"from": PHONE, "text": 3, "message_id": "x"}, "field_invalid"),
        ({"from": PHONE, "text": "003#", "message_id": True}, "field_invalid"),
        ({"from": PHONE, "text": "003#", "message_id": "with space"}, "field_invalid"),
        ({"from": PHONE, "text": "003#", "message_id": "x" * 129}, "field_invalid"),
        ({"from": "+4930123456", "text": "003#", "message_id": "x"}, "phone_not_russian"),
        ({"from": "12", "text": "003#", "message_id": "x"}, "phone_invalid"),
    ],
)
def test_a_malformed_body_is_refused_with_a_code(gateway, meter, fields, code):
    body = json.dumps(fields).encode()
    response = gateway.raw(body, signature=sign(body))
    assert response.status_code == 400
    assert response.json()["code"] == code
    nothing_happened()


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(gateway, body):
    response = gateway.raw(body, signature=sign(body))
    assert (response.status_code, response.json()["code"]) == (400, "body_invalid")


def test_only_post_is_allowed(client):
    assert client.get("/sms/inbound").status_code == 405


def test_a_numeric_message_id_is_taken_as_text(gateway, meter):
    body = json.dumps({"from": PHONE, "text": "003#", "message_id": 12345}).encode()
    assert gateway.raw(body, signature=sign(body)).status_code == 200
    assert InboundSms.objects.get().message_id == "12345"


# --- Once per message id ---------------------------------------------------------------------------


def test_a_repeated_message_id_gets_the_first_reply_and_is_processed_once(gateway, meter):
    first = gateway.reply("001#11400", message_id="gw-7")
    again = gateway.reply("001#11400", message_id="gw-7")
    other_text = gateway.reply("001#11500", message_id="gw-7")  # whatever the retry carries

    assert first == again == other_text
    assert [r.value for r in Reading.objects.filter(source=Reading.Source.SMS)] == [11400]
    assert sms_texts(PHONE) == [first]  # one SMS back
    record = InboundSms.objects.get(message_id="gw-7")
    assert (record.outcome, record.text, record.account.number) == ("accepted", "001#11400", "6300000101")
    assert record.submission == Reading.objects.get(source=Reading.Source.SMS).submission


def test_a_repeated_refusal_is_repeated_too(gateway, meter):
    assert gateway.reply("001#1,5", message_id="r") == gateway.reply("001#1,5", message_id="r")
    assert InboundSms.objects.count() == 1 and len(sms_texts(PHONE)) == 1


# --- Rate limit ---------------------------------------------------------------------------------


@override_settings(SMS_RATE_LIMIT=3, SMS_RATE_WINDOW_SECONDS=600)
def test_a_flood_from_one_phone_is_limited_and_told_once_while_others_go_on(gateway, meter, two_accounts):
    for _ in range(3):
        gateway.reply("003#")
    over = gateway.post("003#")
    assert over.status_code == 429
    assert over.json()["reply"] == "Слишком много сообщений с вашего номера. Повторите через 10 мин."
    assert gateway.post("003#").status_code == 429
    assert sms_texts(PHONE)[3:] == [over.json()["reply"]]  # the notice went once, the flood got nothing
    assert InboundSms.objects.filter(phone=PHONE).count() == 3  # refused ones are not stored: a retry may pass

    assert gateway.reply("003#6300000401", phone="+79162223344").startswith("Счёт 6300000401:")  # another phone


def test_a_repeat_of_an_answered_message_is_not_counted_against_the_limit(gateway, meter, settings):
    settings.SMS_RATE_LIMIT = 1
    first = gateway.reply("003#", message_id="same")
    for _ in range(3):
        assert gateway.reply("003#", message_id="same") == first


# --- Any text --------------------------------------------------------------------------------------

command_like = st.lists(
    st.sampled_from(["001", "003", "004", "#", ";", " ", ",", ".", "да", "6300000101", "11400", "1", "-", "x", "Ж"]),
    max_size=12,
).map("".join)


@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400) | command_like)
def test_any_text_gets_a_non_empty_reply_that_fits_two_sms(gateway, meter, two_accounts, text, settings):
    settings.SMS_RATE_LIMIT = 10**6
    for phone in ("+79161234567", "+79162223344", "+79169999999"):  # one account, two, none
        response = gateway.post(text, phone=phone, message_id=uuid.uuid4().hex)
        assert response.status_code == 200, response.content
        reply = response.json()["reply"]
        assert reply.strip()
        assert segments(reply).parts <= 2, reply
