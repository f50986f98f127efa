"""One-time SMS codes: short-lived, single use, a few tries, a pause before the next, hashed."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.utils import timezone

from core.errors import DomainError
from identity.codes import issue_code, verify_code
from identity.models import OneTimeCode
from notifications.models import LocalSms

pytestmark = pytest.mark.django_db
PHONE = "+79991112233"


def sent_code(phone=PHONE):
    text = LocalSms.objects.filter(phone=phone).order_by("-id").first().text
    return re.search(r"\b(\d{6})\b", text).group(1)


def later(seconds):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(seconds=seconds))


def test_code_arrives_by_sms_and_is_stored_only_hashed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    code = sent_code()
    assert "Код для входа в личный кабинет" in LocalSms.objects.get().text
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    verify_code(purpose="login", phone=PHONE, code=code)


def test_a_code_works_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    code = sent_code()
    verify_code(purpose="login", phone=PHONE, code=code)
    with pytest.raises(DomainError) as error:
        verify_code(purpose="login", phone=PHONE, code=code)
    assert error.value.code == "code_invalid"


def test_a_code_for_one_purpose_does_not_open_another(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    with pytest.raises(DomainError):
        verify_code(purpose="recover", phone=PHONE, code=sent_code())


def test_an_expired_code_is_refused(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    code = sent_code()
    with later(301), pytest.raises(DomainError) as error:
        verify_code(purpose="login", phone=PHONE, code=code)
    assert error.value.code == "code_expired"


def test_five_wrong_tries_burn_the_code_even_for_the_right_answer(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(DomainError) as error:
            verify_code(purpose="login", phone=PHONE, code=wrong)
        messages.append(error.value.message)
    assert messages[0] == "Неверный код. Осталось попыток: 4."
    assert error.value.code == "code_attempts"
    with pytest.raises(DomainError) as error:
        verify_code(purpose="login", phone=PHONE, code=code)
    assert error.value.code == "code_attempts"


def test_resend_waits_a_minute_and_retires_the_old_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    first = sent_code()
    with pytest.raises(DomainError) as error:
        issue_code(purpose="login", phone=PHONE)
    assert error.value.code == "code_resend_too_soon" and "через" in error.value.message
    with later(61), django_capture_on_commit_callbacks(execute=True):
        issue_code(purpose="login", phone=PHONE)
    second = sent_code()
    if first != second:
        with pytest.raises(DomainError):
            verify_code(purpose="login", phone=PHONE, code=first)
    verify_code(purpose="login", phone=PHONE, code=second)


def test_at_most_five_codes_an_hour(django_capture_on_commit_callbacks):
    for minute in range(5):
        with later(61 * minute), django_capture_on_commit_callbacks(execute=True):
            issue_code(purpose="login", phone=PHONE)
    with later(61 * 6), pytest.raises(DomainError) as error:
        issue_code(purpose="login", phone=PHONE)
    assert error.value.code == "code_limit"
    assert LocalSms.objects.count() == 5
