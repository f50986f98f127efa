"""Closing a billing period through the service, the Celery task path and the management command."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from billing import engine
from billing.models import Bill, BillingRun, LedgerEntry
from billing.selectors import as_shown
from billing.services import close_period, post_payment
from core.errors import DomainError
from core.models import AuditEntry
from core.money import money_sum
from core.periods import Period
from metering.models import Reading
from tests.factories import MeterFactory, add_submission, history

NOV = Period(2026, 11)


@pytest.fixture
def two_accounts(meter):
    """``meter`` (200 kWh a month up to 11 200 in October) sends 11 450 for November; a second one sends nothing."""
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    silent = MeterFactory(account__number="6300000102")
    history(silent, {"total": 5_000})
    return meter, silent


def balance(account):
    return money_sum(LedgerEntry.objects.filter(account=account))


def test_close_bills_every_account_from_readings_or_the_average(two_accounts, close):
    meter, silent = two_accounts
    run = close("2026-11")
    assert run.state == BillingRun.State.CLOSED
    bill = Bill.objects.get(account=meter.account, period=NOV)
    # 11 450 - 11 200 = 250 kWh x 6.00 = 1 500.00, due on 15.12.2026
    assert (bill.charged, bill.closing_balance, bill.due_on) == (D("1500.00"), D("1500.00"), dt.date(2026, 12, 15))
    assert bill.number == "2026116300000101"
    # VAT 22 % included: 1 500 x 22 / 122 = 270.49
    assert bill.vat == D("270.49")
    # No reading: the average, 200 kWh x 6.00 = 1 200.00
    other = Bill.objects.get(account=silent.account, period=NOV)
    assert other.charged == D("1200.00")
    [line] = LedgerEntry.objects.get(account=silent.account, kind="charge").lines.all()
    assert (line.basis, line.volume) == ("average", 200)
    # The reading is billed now (as every page shows it), though the close wrote nothing to it.
    [shown] = as_shown(Reading.objects.filter(meter=meter, value=11_450))
    assert shown.state == Reading.State.BILLED
    assert Reading.objects.get(pk=shown.pk).state == Reading.State.ACCEPTED
    assert AuditEntry.objects.filter(action="billing.close_finished").count() == 1


def test_closing_a_closed_period_is_refused_and_changes_nothing(two_accounts, close):
    close("2026-11")
    before = list(LedgerEntry.objects.values_list("id", "amount"))
    with pytest.raises(DomainError) as refused:
        close("2026-11")
    assert refused.value.code == "period_closed"
    assert "уже закрыт" in refused.value.message
    assert list(LedgerEntry.objects.values_list("id", "amount")) == before


def test_a_period_that_has_not_ended_cannot_be_closed(two_accounts, norms_and_rates):
    with pytest.raises(DomainError) as refused:
        close_period(period=NOV, today=dt.date(2026, 11, 30))
    assert refused.value.code == "period_not_over"
    assert "01.12.2026" in refused.value.message
    assert not BillingRun.objects.exists()


def test_periods_are_closed_in_order(two_accounts, close):
    close("2026-11")
    with pytest.raises(DomainError) as refused:
        close("2027-01")
    assert refused.value.code == "previous_not_closed"
    with pytest.raises(DomainError) as refused:
        close("2026-10")
    assert refused.value.code == "later_period_closed"


def test_a_crashed_close_resumes_where_it_stopped_with_the_same_result(two_accounts, close, settings, monkeypatch):
    settings.BILLING_CHUNK_SIZE = 1
    meter, silent = two_accounts
    real = engine.bill_account

    def crash_on_second(facts, *args, **kwargs):
        if facts.id == silent.account_id:
            raise RuntimeError("worker killed")
        return real(facts, *args, **kwargs)

    monkeypatch.setattr(engine, "bill_account", crash_on_second)
    with pytest.raises(RuntimeError):
        close("2026-11")
    run = BillingRun.objects.get(period=NOV)
    assert run.state == BillingRun.State.RUNNING
    assert list(Bill.objects.values_list("account_id", flat=True)) == [meter.account_id]

    monkeypatch.setattr(engine, "bill_account", real)
    run = close("2026-11")
    assert run.state == BillingRun.State.CLOSED
    assert sorted(Bill.objects.values_list("account_id", "charged")) == sorted(
        [(meter.account_id, D("1500.00")), (silent.account_id, D("1200.00"))]
    )
    assert LedgerEntry.objects.filter(kind="charge").count() == 2


def test_an_account_that_cannot_be_billed_is_reported_and_the_others_are_billed(two_accounts, close):
    meter, silent = two_accounts
    # The second account's category has no prices at all.
    from billing.models import TariffCategory

    silent.account.tariff_category = TariffCategory.objects.create(code="empty", name="Без цен")
    silent.account.save()
    run = close("2026-11")
    assert run.state == BillingRun.State.RUNNING
    assert "не задана цена" in run.failures["6300000102"]
    assert Bill.objects.filter(account=meter.account).exists()
    with pytest.raises(CommandError, match="1 accounts not billed"):
        call_command("close_period", "2026-11")


def test_payments_after_the_close_go_to_the_next_bill_once(two_accounts, close):
    meter, _ = two_accounts
    close("2026-11")
    entry, created = post_payment(
        account=meter.account, amount=D("1500"), paid_on=dt.date(2026, 11, 30), reference="pay-1"
    )
    assert created and entry.period == Period(2026, 12)  # November's bill is issued: the payment goes on
    again, created = post_payment(
        account=meter.account, amount=D("1500"), paid_on=dt.date(2026, 11, 30), reference="pay-1"
    )
    assert (again.pk, created) == (entry.pk, False)
    assert balance(meter.account) == D("0.00")


def test_bill_figures_reconcile_with_the_ledger(two_accounts, close):
    meter, _ = two_accounts
    close("2026-11")
    post_payment(account=meter.account, amount=D("1000"), paid_on=dt.date(2026, 12, 10), reference="pay-2")
    add_submission(meter, dt.date(2026, 12, 20), {"total": 11_650}, state=Reading.State.ACCEPTED)
    close("2026-12")
    december = Bill.objects.get(account=meter.account, period=Period(2026, 12))
    # 1 500.00 owed, 1 000.00 paid, 200 kWh x 6.00 = 1 200.00 charged: 1 700.00 to pay
    assert (december.opening_balance, december.paid, december.charged, december.closing_balance) == (
        D("1500.00"), D("-1000.00"), D("1200.00"), D("1700.00"),
    )  # fmt: skip
    for bill in Bill.objects.all():
        assert bill.closing_balance == money_sum(
            LedgerEntry.objects.filter(account=bill.account, period__lte=bill.period)
        )


def test_the_command_closes_the_period_and_reports(two_accounts, clock, norms_and_rates, capsys):
    clock.set(dt.date(2026, 12, 1))
    call_command("close_period", "2026-11")
    assert "2026-11: закрыт, bills 2 of 2" in capsys.readouterr().out
    with pytest.raises(CommandError, match="уже закрыт"):
        call_command("close_period", "2026-11")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("close_period", "11.2026")
