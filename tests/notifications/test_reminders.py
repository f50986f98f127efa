"""Each reminder's rule, through the daily beat task or the event that triggers it; and a repeated run
tells nobody twice.

The customer (+79161234567, no confirmed e-mail: everything by SMS) has account 6300000101 with a
single-rate meter, readings up to October 2026; the submission window is the 15th-25th.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from billing.models import Bill
from billing.selectors import penalty_forecast
from billing.services import post_adjustment
from core.periods import Period
from customers.models import AccountLink
from metering.models import Meter, Reading
from notifications.models import Channel, ChannelPreference, Kind, Notification, OutboxMessage
from notifications.reminders import remind_debts, remind_readings, remind_verifications
from notifications.tasks import daily_reminders
from payments.services import confirm_payment, start_payment
from tests.billing import conftest as billing_fixtures
from tests.factories import AccountFactory, MeterFactory, UserFactory, add_submission, history, link
from tests.messages import sms_texts

close = billing_fixtures.close
norms_and_rates = billing_fixtures.norms_and_rates

pytestmark = pytest.mark.django_db
PHONE = "+79161234567"


def on(clock, day):
    return clock.set(dt.date.fromisoformat(day))


def run_beat():
    return daily_reminders.apply().get()


# --- The submission window ----------------------------------------------------------------------------


def test_the_window_opening_is_announced_once(meter, clock, send_now):
    on(clock, "2026-11-14")
    run_beat()
    assert sms_texts(PHONE) == []  # not open yet
    on(clock, "2026-11-15")
    run_beat()
    run_beat()
    on(clock, "2026-11-16")
    run_beat()
    assert sms_texts(PHONE) == ["Открыт приём показаний за ноябрь 2026: передайте их до 25.11.2026 (л/с 6300000101)."]


def test_two_days_before_the_deadline_only_accounts_without_readings_are_reminded(meter, customer, clock, send_now):
    submitted = MeterFactory(account__number="6300000102")
    history(submitted, {"total": 3_000})
    link(customer, submitted.account)
    add_submission(submitted, dt.date(2026, 11, 21), {"total": 4_300}, state=Reading.State.ACCEPTED)
    neighbour = UserFactory(phone="+79160000009")
    link(neighbour, submitted.account)  # their only account has its reading: nothing to remind

    on(clock, "2026-11-22")
    assert remind_readings(today=clock.today) == 1  # still "the window is open", to the customer only
    on(clock, "2026-11-23")
    run_beat()
    run_beat()
    texts = sms_texts(PHONE)
    assert texts[-1] == (
        "Показания за ноябрь 2026 по л/с 6300000101 ещё не переданы. Передайте их до 25.11.2026 включительно, "
        "иначе начисление будет по среднему."
    )
    assert len(texts) == 2 and sms_texts("+79160000009") == []


def test_no_deadline_reminder_once_the_readings_are_in(meter, clock, send_now):
    add_submission(meter, dt.date(2026, 11, 18), {"total": 11_400}, state=Reading.State.ACCEPTED)
    on(clock, "2026-11-23")
    run_beat()
    assert sms_texts(PHONE) == []


def test_a_rejected_reading_does_not_count_as_submitted(meter, clock, send_now):
    add_submission(meter, dt.date(2026, 11, 18), {"total": 11_400}, state=Reading.State.REJECTED)
    on(clock, "2026-11-23")
    assert remind_readings(today=clock.today) == 1


def test_a_beat_that_missed_the_day_still_reminds_before_the_window_closes(meter, clock, send_now):
    on(clock, "2026-11-25")
    run_beat()
    assert len(sms_texts(PHONE)) == 1 and "ещё не переданы" in sms_texts(PHONE)[0]
    on(clock, "2026-11-26")  # closed: readings count for December now
    assert remind_readings(today=clock.today) == 0


def test_a_removed_meter_or_closed_account_is_not_reminded(meter, clock, send_now):
    Meter.objects.filter(pk=meter.pk).update(status=Meter.Status.REMOVED)
    on(clock, "2026-11-23")
    assert remind_readings(today=clock.today) == 0


def test_several_accounts_are_listed_in_one_message(meter, customer, clock, send_now):
    dacha = MeterFactory(account__number="6300000103")
    link(customer, dacha.account)
    on(clock, "2026-11-23")
    run_beat()
    [text] = sms_texts(PHONE)
    assert "по л/с 6300000101, 6300000103 ещё не переданы" in text
    entry = Notification.objects.get(user=customer)
    assert entry.url == "/" and entry.account is None


def test_a_customer_who_turned_reminders_off_is_not_reminded(meter, customer, clock, send_now):
    ChannelPreference.objects.create(user=customer, kind=Kind.READINGS_REMINDER, channel=Channel.NONE)
    on(clock, "2026-11-23")
    run_beat()
    assert sms_texts(PHONE) == [] and not Notification.objects.exists()


# --- Bill ready -----------------------------------------------------------------------------------------


def test_after_the_close_each_user_of_the_account_is_told_the_bill_is_ready(meter, customer, close, send_now):
    spouse = UserFactory(phone="+79160000002", email="maria@example.ru", email_confirmed=True)
    link(spouse, meter.account)
    AccountLink.objects.filter(user=spouse).update(ebill=True)  # gets the PDF itself
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)

    close("2026-11")

    assert sms_texts(PHONE) == [
        "Готова квитанция за ноябрь 2026 по л/с 6300000101: к оплате 1\u00a0500,00\u00a0₽ до 15.12.2026."
    ]
    # The e-bill subscriber is not mailed about the bill next to the bill: the centre shows it.
    told = Notification.objects.get(user=spouse, kind=Kind.BILLS)
    assert told.channel == Channel.PORTAL and told.url == "/a/6300000101/bills/2026-11/"
    assert not OutboxMessage.objects.filter(user=spouse, kind=Kind.BILLS).exists()

    run_beat()  # the catch-up of recent closes finds them told already
    assert len(sms_texts(PHONE)) == 1


def test_a_bill_with_an_overpayment_says_nothing_is_due(meter, close, send_now):
    from billing.services import post_payment

    post_payment(account=meter.account, amount="5000.00", paid_on=dt.date(2026, 11, 10), reference="advance")
    close("2026-11")
    [text] = sms_texts(PHONE)
    assert text.startswith("Готова квитанция за ноябрь 2026 по л/с 6300000101: оплачивать не нужно, переплата")


def test_a_period_closed_after_its_bills_were_due_tells_nobody(meter, close, clock, send_now, norms_and_rates):
    """Closing an old period late (a migration, the demo's history) is no news: the bill is in the archive."""
    from billing.services import close_period

    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    on(clock, "2026-12-16")  # the bill would be due by 15.12.2026
    close_period(period=Period.parse("2026-11"))
    assert Bill.objects.filter(account=meter.account, period=Period.parse("2026-11")).exists()
    assert sms_texts(PHONE) == [] and not Notification.objects.filter(kind=Kind.BILLS).exists()


def test_a_lost_bill_ready_task_is_caught_up_by_the_beat(meter, close, clock, send_now):
    from notifications.tasks import bills_ready

    with mock.patch.object(bills_ready, "delay"):  # the broker lost it
        close("2026-11")
    assert sms_texts(PHONE) == []
    on(clock, "2026-12-03")
    run_beat()
    assert len(sms_texts(PHONE)) == 1 and sms_texts(PHONE)[0].startswith("Готова квитанция за ноябрь 2026")


# --- Payment received -----------------------------------------------------------------------------------


@pytest.fixture
def payer(customer, today):
    account = AccountFactory(number="6300000201")
    link(customer, account)
    post_adjustment(account=account, amount=Decimal("1234.56"), reason="долг", actor=None, opening=True)
    customer.account = account
    return customer


def test_a_confirmed_payment_is_told_once(payer, send_now):
    payment = start_payment(user=payer, amounts={"6300000201": Decimal("1234.56")})
    assert confirm_payment(payment_id=payment.pk, amount=payment.amount) is True
    assert confirm_payment(payment_id=payment.pk, amount=payment.amount) is False  # a repeated notification
    assert sms_texts(PHONE) == ["Оплата 1\u00a0234,56\u00a0₽ по л/с 6300000201 получена. Спасибо!"]
    row = OutboxMessage.objects.get(kind=Kind.PAYMENTS)
    assert row.event_key == f"payment:{payment.pk}"


def test_a_payer_with_a_confirmed_address_gets_the_receipt_and_no_second_e_mail(payer, smtp):
    payer.email, payer.email_confirmed = "ivan@example.ru", True
    payer.save()
    payment = start_payment(user=payer, amounts={"6300000201": Decimal("100.00")})
    confirm_payment(payment_id=payment.pk, amount=payment.amount)
    assert len(smtp.messages) == 1  # the fiscal receipt
    assert Notification.objects.get(kind=Kind.PAYMENTS).channel == Channel.PORTAL


def test_a_declined_payment_tells_nothing(payer, send_now):
    from payments.services import fail_payment

    payment = start_payment(user=payer, amounts={"6300000201": Decimal("100.00")})
    fail_payment(payment_id=payment.pk)
    assert sms_texts(PHONE) == [] and not Notification.objects.exists()


# --- Debts and penalties --------------------------------------------------------------------------------


@pytest.fixture
def debtor(customer, norms_and_rates, clock):
    """1 000 ₽ owed for September 2026 (due 15.10.2026): penalties accrue from 15.11.2026 on."""
    account = AccountFactory(number="6300000301")
    link(customer, account)
    post_adjustment(
        account=account, amount=Decimal("1000.00"), reason="долг", actor=None, day=dt.date(2026, 9, 5), opening=True
    )
    return account


def test_the_forecast_the_debt_reminders_rest_on(debtor):
    # Guard for the dates below: what billing says about this debt.
    forecast = penalty_forecast(debtor, today=dt.date(2026, 11, 9))
    assert forecast.starts_on == dt.date(2026, 11, 15)


def test_five_days_before_penalties_start_the_debtor_is_told_once(debtor, clock, send_now):
    on(clock, "2026-11-09")
    assert remind_debts(today=clock.today) == 0
    on(clock, "2026-11-10")
    run_beat()
    on(clock, "2026-11-12")
    run_beat()
    assert sms_texts(PHONE) == [
        "По л/с 6300000301 задолженность 1\u00a0000,00\u00a0₽. Если не оплатить её до 14.11.2026, с 15.11.2026 "
        "начнут начисляться пени (около 0,32\u00a0₽ в день)."
    ]


def test_while_penalties_accrue_the_debtor_is_told_once_a_month(debtor, clock, send_now):
    for day in ("2026-11-14", "2026-11-20", "2026-11-30", "2026-12-01", "2026-12-15"):
        on(clock, day)
        remind_debts(today=clock.today)
    texts = sms_texts(PHONE)
    assert len(texts) == 2  # November, December
    assert all(
        t.startswith("По л/с 6300000301 задолженность 1\u00a0000,00\u00a0₽, на неё начисляются пени") for t in texts
    )


def test_a_paid_debt_is_not_reminded(debtor, clock, send_now):
    from billing.services import post_payment

    post_payment(account=debtor, amount="1000.00", paid_on=dt.date(2026, 11, 1), reference="paid")
    on(clock, "2026-11-12")
    assert remind_debts(today=clock.today) == 0


# --- Meter verification ---------------------------------------------------------------------------------


def test_a_meter_due_for_verification_within_30_days_is_told_once(meter, customer, today, clock, send_now):
    spouse = UserFactory(phone="+79160000002")
    link(spouse, meter.account)
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 12, 21))
    assert remind_verifications(today=today) == 0  # 31 days ahead
    on(clock, "2026-11-21")
    run_beat()
    on(clock, "2026-12-01")
    run_beat()
    expected = (
        f"Срок поверки счётчика № {meter.serial} (л/с 6300000101) — 21.12.2026. После него начисления будут "
        "не по показаниям, а по среднему или нормативу: закажите поверку заранее."
    )
    assert [t for t in sms_texts(PHONE) if "поверки" in t] == [expected]
    assert [t for t in sms_texts("+79160000002") if "поверки" in t] == [expected]


def test_a_new_verification_date_is_a_new_reminder(meter, clock, send_now):
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 12, 1))
    on(clock, "2026-11-20")
    assert remind_verifications(today=clock.today) == 1
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 12, 10))  # postponed
    assert remind_verifications(today=clock.today) == 1
    assert remind_verifications(today=clock.today) == 0


def test_a_removed_meter_needs_no_verification(meter, today, send_now):
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 12, 1), status=Meter.Status.REMOVED)
    assert remind_verifications(today=today) == 0


# --- Everything at once -------------------------------------------------------------------------------------


def test_the_beat_task_running_twice_sends_every_reminder_once(meter, debtor, clock, send_now):
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 12, 1))
    on(clock, "2026-11-23")
    first = run_beat()
    second = run_beat()
    assert first == {"readings": 1, "debts": 1, "verifications": 1, "bills": 0, "outbox_purged": 0}
    assert second == {"readings": 0, "debts": 0, "verifications": 0, "bills": 0, "outbox_purged": 0}
    assert len(sms_texts(PHONE)) == 3
    assert OutboxMessage.objects.count() == 3 and Notification.objects.count() == 3
