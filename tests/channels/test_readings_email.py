"""Readings by e-mail: the subject or first line carries the account and readings in the SMS
syntax; only an address confirmed on a profile linked to the account is heard, once per Message-ID,
and answered by e-mail (received here by a real SMTP server)."""

from __future__ import annotations

import pytest

from channels.models import InboundEmail
from channels.services import email_command, handle_readings_email
from metering.models import Reading

pytestmark = pytest.mark.django_db

ADDRESS = "ivan@example.ru"
NUMBER = "6300000101"


@pytest.fixture
def sender(customer, meter, today):
    customer.email, customer.email_confirmed = ADDRESS, True
    customer.save()
    return customer


def receive(subject="", body="", *, sender=ADDRESS, message_id="<m-1@mail.example.ru>"):
    return handle_readings_email(sender=sender, subject=subject, body=body, message_id=message_id)


def readings():
    return list(Reading.objects.filter(source=Reading.Source.EMAIL).values_list("value", flat=True))


def only_reply(smtp):
    [(recipients, message)] = smtp.messages
    return recipients, message, message.get_payload(decode=True).decode(message.get_content_charset())


def test_readings_in_the_subject_are_submitted_and_answered(smtp, sender, meter):
    answer = receive(f"001#{NUMBER}#11400", "Добрый день!")

    assert answer.outcome == "accepted"
    [reading] = Reading.objects.filter(source=Reading.Source.EMAIL)
    assert (reading.meter, reading.value, reading.entered_by) == (meter, 11400, sender)
    recipients, message, body = only_reply(smtp)
    assert recipients == [ADDRESS]
    assert message["Subject"] == f"Re: 001#{NUMBER}#11400"
    assert f"Счёт {NUMBER}: показания приняты за ноябрь 2026 (11400), расход 200 кВт·ч." in body


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Показания", f"{NUMBER}#11400\n\n-- \nИван"),  # the first line, account first for short
        ("Показания за ноябрь", f"\n\n  001 # {NUMBER} # 11400  \nспасибо"),
        ("Re: Fwd: 001#11400", ""),  # one account: no number needed, reply prefixes ignored
        (f"{NUMBER} # 11 400", ""),
    ],
)
def test_the_subject_or_the_first_line_carries_the_readings(smtp, sender, subject, body):
    assert receive(subject, body).outcome == "accepted"
    assert readings() == [11400]


def test_the_address_is_matched_whatever_its_case_and_display_name(smtp, sender):
    assert receive(f"001#{NUMBER}#11400", sender="Иван Тестов <IVAN@Example.RU>").outcome == "accepted"
    assert only_reply(smtp)[0] == [ADDRESS]


def test_a_repeated_message_id_is_processed_and_answered_once(smtp, sender):
    first = receive(f"001#{NUMBER}#11400")
    again = receive(f"001#{NUMBER}#11500")
    assert (again.duplicate, again.reply) == (True, first.reply)
    assert readings() == [11400]
    assert len(smtp.messages) == 1


def test_without_a_message_id_the_same_message_is_still_processed_once(smtp, sender):
    receive(f"001#{NUMBER}#11400", message_id="")
    assert receive(f"001#{NUMBER}#11400", message_id="").duplicate
    assert readings() == [11400] and len(smtp.messages) == 1


def test_an_unconfirmed_address_is_told_to_confirm_it_and_nothing_is_stored(smtp, sender):
    sender.email_confirmed = False
    sender.save()
    assert receive(f"001#{NUMBER}#11400").outcome == "email_unconfirmed"
    assert readings() == []
    assert "Подтвердите его в профиле личного кабинета" in only_reply(smtp)[2]


def test_a_stranger_gets_no_answer(smtp, sender):
    answer = receive(f"001#{NUMBER}#11400", sender="forger@example.com")
    assert (answer.outcome, answer.reply) == ("unknown_sender", "")
    assert readings() == [] and smtp.messages == []
    assert InboundEmail.objects.get().outcome == "unknown_sender"  # kept for support, and for the retry


def test_an_account_of_someone_else_is_refused(smtp, sender):
    assert receive("001#6300000999#11400").outcome == "account_not_linked"
    assert "Счёт 6300000999 не привязан к кабинету с вашим адресом e-mail." in only_reply(smtp)[2]


def test_a_message_without_readings_gets_the_format(smtp, sender):
    assert receive("Вопрос", "Когда придёт квитанция?").outcome == "help"
    assert "001#<лицевой счёт>#<показания>" in only_reply(smtp)[2]


def test_an_implausible_reading_asks_for_the_confirmation_marker(smtp, sender):
    assert receive(f"001#{NUMBER}#15000", message_id="a").outcome == "reading_implausible"
    assert f"отправьте 001#{NUMBER}#15000#да" in smtp.messages[-1][1].get_payload(decode=True).decode()
    assert receive(f"001#{NUMBER}#15000#да", message_id="b").outcome == "accepted"
    assert readings() == [15000]


def test_a_fraction_gets_the_integer_only_explanation(smtp, sender):
    assert receive(f"001#{NUMBER}#11400,5").outcome == "reading_fraction"
    assert "11400 вместо 11400,5" in only_reply(smtp)[2]


def test_readings_info_and_last_payment_by_email(smtp, sender):
    assert receive(f"003#{NUMBER}", message_id="x").outcome == "info"
    assert receive(f"004#{NUMBER}", message_id="y").outcome == "payment"
    bodies = [m.get_payload(decode=True).decode() for _, m in smtp.messages]
    assert "11200 от 20.10.2026" in bodies[0] and "оплат не найдено" in bodies[1]


def test_a_sender_over_the_hourly_limit_is_asked_to_retry_later(smtp, sender, settings):
    settings.READINGS_EMAIL_PER_HOUR = 2
    receive("003#", message_id="1")
    receive("003#", message_id="2")
    answer = receive("003#", message_id="3")
    assert answer.retry_later and answer.outcome == "rate_limited"
    assert InboundEmail.objects.count() == 2  # not stored: the retry is processed


@pytest.mark.parametrize(
    ("subject", "body", "line"),
    [
        ("RE: 001#1", "", "001#1"),
        ("Отв: 003#", "", "003#"),
        ("привет", "\n\n6300000101#5\n001#7", "6300000101#5"),
        ("", "", ""),
    ],
)
def test_the_command_line_of_a_message(subject, body, line):
    assert email_command(subject, body)[0] == line
