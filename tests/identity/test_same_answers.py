"""No answer tells a registered phone (or a linked account) from an unknown one.

Each flow that sends a code (password recovery, sign-up by phone, quick login by account number)
is run twice, step by step at the same moments, once for a known and once for an unknown phone or
account, through the portal's pages and through the API; the complete answers (status, the headers
a client reads, the body with the phone or number itself blanked out) must be equal at every step:
the first request, an immediate repeat, a repeat half-way through the pause, after the pause, over
the hourly limit; and then the confirmation step: wrong codes, too many, an expired code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import types
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from identity.models import User
from tests.api.conftest import Api
from tests.conftest import TODAY
from tests.factories import AccountFactory, UserFactory, link

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Лампочка-Ильича-42"
KNOWN_PHONE, UNKNOWN_PHONE = "+79161234567", "+79161114567"  # the same masked form: +7 916 ***-**-67
KNOWN_ACCOUNT, UNKNOWN_ACCOUNT = "6300000101", "6300009999"

# Seconds after the first request: an immediate repeat, half-way through the pause, after it, and so
# on until the hourly limit (5 codes an hour; quick login: 5 requests in 15 minutes) is used up.
REQUEST_STEPS = [0, 0, 30, 61, 122, 183, 244, 305, 400]


@pytest.fixture(autouse=True)
def _sms_at_once(send_now):
    pass


@pytest.fixture
def known(db):
    """An active user on KNOWN_PHONE, the holder of account KNOWN_ACCOUNT."""
    user = UserFactory(phone=KNOWN_PHONE)
    account = AccountFactory(number=KNOWN_ACCOUNT, customer__phone=KNOWN_PHONE)
    link(user, account)
    return user


# CSRF tokens are masked afresh on every page: they differ between any two answers.
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"')


def _blank(text: str, idents: list[str]) -> str:
    text = _CSRF.sub(r'\1"', text)
    for ident in idents:
        text = text.replace(ident, "<ID>")
    return text


def answer(response: Any, idents: list[str]) -> dict[str, Any]:
    """What a client can see of an answer, with the phone or account number itself blanked out."""
    body = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.loads(_blank(body, idents))
    else:
        body = _blank(body, idents)
    headers = {name: response.get(name) for name in ("Location", "Retry-After", "Content-Type", "WWW-Authenticate")}
    return {"status": response.status_code, "headers": headers, "body": body}


def at(clock, seconds: int) -> None:
    moment = dt.datetime.combine(TODAY, dt.time(12)) + dt.timedelta(seconds=seconds)
    clock.set(moment.date(), moment.time())


# --- The flows, each through the portal and the API: (request a code, try a code) ----------------


def portal_client(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def api_client(ip: str) -> Api:
    return Api(Client(REMOTE_ADDR=ip))


def spelled(phone: str) -> str:
    return f"8 ({phone[2:5]}) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"


def idents_of(subject: str) -> list[str]:
    return [subject, spelled(subject)] if subject.startswith("+") else [subject]


FLOWS: dict[str, tuple[Callable, Callable, Callable]] = {
    "recovery/portal": (
        portal_client,
        lambda c, phone: c.post("/password/forgot/", {"phone": spelled(phone)}),
        lambda c, phone, code: c.post(
            "/password/reset/", {"code": code, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
        ),
    ),
    "recovery/api": (
        api_client,
        lambda c, phone: c.post("/auth/password/recover/", {"phone": spelled(phone)}),
        lambda c, phone, code: c.post(
            "/auth/password/reset/", {"phone": phone, "code": code, "password": GOOD_PASSWORD}
        ),
    ),
    "registration/portal": (
        portal_client,
        lambda c, phone: c.post(
            "/register/",
            {
                "phone": spelled(phone),
                "password1": GOOD_PASSWORD,
                "password2": GOOD_PASSWORD,
                "accept_terms": "on",
                "accept_personal_data": "on",
            },
        ),
        lambda c, phone, code: c.post("/register/confirm/", {"code": code}),
    ),
    "registration/api": (
        api_client,
        lambda c, phone: c.post(
            "/auth/register/",
            {"phone": spelled(phone), "password": GOOD_PASSWORD, "accept_terms": True, "accept_personal_data": True},
        ),
        lambda c, phone, code: c.post("/auth/register/confirm/", {"phone": phone, "code": code}),
    ),
    "quick-login/portal": (
        portal_client,
        lambda c, number: c.post("/login/code/", {"number": number}),
        lambda c, number, code: c.post("/login/code/confirm/", {"code": code}),
    ),
    "quick-login/api": (
        api_client,
        lambda c, number: c.post("/auth/code-login/", {"account_number": number}),
        lambda c, number, code: c.post("/auth/code-login/confirm/", {"account_number": number, "code": code}),
    ),
}


def subjects(flow: str) -> tuple[str, str]:
    return (KNOWN_ACCOUNT, UNKNOWN_ACCOUNT) if flow.startswith("quick-login") else (KNOWN_PHONE, UNKNOWN_PHONE)


def requests_sequence(flow: str, subject: str, clock, ip: str) -> list[dict[str, Any]]:
    make, ask, _try = FLOWS[flow]
    client = make(ip)
    answers = []
    for seconds in REQUEST_STEPS:
        at(clock, seconds)
        answers.append(answer(ask(client, subject), idents_of(subject)))
    return answers


@pytest.mark.parametrize("flow", FLOWS)
def test_requests_for_a_code_are_answered_alike_for_a_known_and_an_unknown_one(flow, known, clock):
    known_subject, unknown_subject = subjects(flow)
    for_known = requests_sequence(flow, known_subject, clock, ip="10.7.0.1")
    for_unknown = requests_sequence(flow, unknown_subject, clock, ip="10.7.0.2")
    for step, (a, b) in enumerate(zip(for_known, for_unknown, strict=True)):
        assert a == b, f"step {step} ({REQUEST_STEPS[step]} s)"
    if flow.endswith("/api"):  # the sequence did meet every answer it is meant to compare
        statuses = [a["status"] for a in for_known]
        assert statuses[:4] == [202, 429, 429, 202]
        assert [a["headers"]["Retry-After"] for a in for_known[1:3]] == ["60", "30"]
        assert statuses[-2:] == [429, 429]
        assert for_known[-2]["body"]["code"] == ("login_locked" if "quick" in flow else "code_limit")


WRONG = "000000"


def tries_sequence(flow: str, subject: str, clock, ip: str, *, expire: bool) -> list[dict[str, Any]]:
    make, ask, try_code = FLOWS[flow]
    client = make(ip)
    at(clock, 0)
    answers = [answer(try_code(client, subject, WRONG), idents_of(subject))] if flow.endswith("/api") else []
    ask(client, subject)
    if expire:
        at(clock, 301)
        return [*answers, answer(try_code(client, subject, WRONG), idents_of(subject))]
    for _ in range(6):
        answers.append(answer(try_code(client, subject, WRONG), idents_of(subject)))
    return answers


@pytest.fixture
def no_code_is_000000(monkeypatch):
    """The codes sent are never the wrong code the tries type."""
    fixed = types.SimpleNamespace(choice=lambda digits: "7", token_hex=secrets.token_hex)
    monkeypatch.setattr("identity.codes.secrets", fixed)


@pytest.mark.parametrize("expire", [False, True], ids=["wrong-codes", "expired"])
@pytest.mark.parametrize("flow", FLOWS)
def test_tries_at_the_code_are_answered_alike_for_a_known_and_an_unknown_one(
    flow, expire, known, clock, no_code_is_000000
):
    known_subject, unknown_subject = subjects(flow)
    for_known = tries_sequence(flow, known_subject, clock, ip="10.8.0.1", expire=expire)
    for_unknown = tries_sequence(flow, unknown_subject, clock, ip="10.8.0.2", expire=expire)
    assert for_known == for_unknown
    text = json.dumps([a["body"] for a in for_known], ensure_ascii=False)
    if expire:
        assert "Срок действия кода истёк" in text
    else:
        assert "Осталось попыток: 4" in text
        # Too many: the code's own limit, or quick login's (its request counted as one try).
        assert ("Слишком много неудачных попыток входа" if "quick" in flow else "слишком много раз") in text
    assert not User.objects.get(phone=KNOWN_PHONE).check_password(GOOD_PASSWORD)  # no wrong code changed it


def test_a_known_phone_gets_an_sms_notice_and_an_unknown_one_a_code_behind_the_same_answers(known, clock):
    from tests.messages import sms_texts

    api = api_client("10.9.0.1")
    at(clock, 0)
    api.post("/auth/register/", {"phone": KNOWN_PHONE, "password": GOOD_PASSWORD, "accept_terms": True,
                                 "accept_personal_data": True})  # fmt: skip
    api.post("/auth/password/recover/", {"phone": UNKNOWN_PHONE})
    assert "уже зарегистрирован" in sms_texts(KNOWN_PHONE)[-1]
    assert sms_texts(UNKNOWN_PHONE) == []  # nobody to recover: no SMS at all


def test_a_weak_new_password_is_refused_first_for_a_known_and_an_unknown_phone(known, clock):
    api = api_client("10.9.0.2")
    at(clock, 0)
    answers = []
    for phone in (KNOWN_PHONE, UNKNOWN_PHONE):
        api.post("/auth/password/recover/", {"phone": phone})
        response = api.post("/auth/password/reset/", {"phone": phone, "code": WRONG, "password": "qwerty"})
        answers.append(answer(response, idents_of(phone)))
    assert answers[0] == answers[1]
    assert answers[0]["body"]["code"] == "password_weak"


@pytest.mark.parametrize("channel", ["portal", "api"])
def test_password_login_locks_a_known_and_an_unknown_phone_alike(channel, known, clock):
    at(clock, 0)
    answers = []
    for index, phone in enumerate((KNOWN_PHONE, UNKNOWN_PHONE)):
        ip = f"10.9.1.{index}"
        runs = []
        for _ in range(6):
            if channel == "portal":
                response = portal_client(ip).post(
                    "/login/", {"username": spelled(phone), "password": "Не-тот-пароль-1"}
                )
            else:
                response = api_client(ip).post("/auth/login/", {"phone": phone, "password": "Не-тот-пароль-1"})
            runs.append(answer(response, idents_of(phone)))
        answers.append(runs)
    assert answers[0] == answers[1]
    text = json.dumps(answers[0][-1]["body"], ensure_ascii=False)
    assert "Слишком много неудачных попыток входа" in text
