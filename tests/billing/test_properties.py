"""Properties of the billing engine over many generated histories (hypothesis), on the real database.

* The ledger always balances: every bill's closing balance is the sum of the account's entries up to
  its period, every bill adds up, every entry is the sum of its lines.
* Readings that arrive late (after their period was billed by estimate) end, after recalculation,
  in exactly the money the same readings would have produced on time, across a mid-month price change.
* Closing a period again changes nothing.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Bill, BillingRun, LedgerEntry, TariffPrice
from billing.services import close_accounts, post_payment
from core.money import money_sum
from core.periods import Period
from metering.models import Reading
from tests.factories import MeterFactory, add_submission, history

FIRST = Period(2026, 11)
PERIODS = [FIRST + n for n in range(6)]


class Rollback(Exception):
    pass


def charged(account) -> D:
    kinds = [LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.RECALCULATION]
    return money_sum(LedgerEntry.objects.filter(account=account, kind__in=kinds))


def assert_ledger_balances():
    for bill in Bill.objects.all():
        entries = LedgerEntry.objects.filter(account=bill.account, period__lte=bill.period)
        assert bill.closing_balance == money_sum(entries)
        parts = bill.opening_balance + bill.charged + bill.recalculated + bill.penalties + bill.paid + bill.adjusted
        assert parts == bill.closing_balance
    for entry in LedgerEntry.objects.filter(kind__in=["charge", "recalculation"]).prefetch_related("lines"):
        assert entry.amount == sum((line.amount for line in entry.lines.all()), D("0.00"))


def assert_closing_again_changes_nothing(period):
    run = BillingRun.objects.get(period=period)
    before = LedgerEntry.objects.count(), Bill.objects.count()
    result = close_accounts(run, 0, 10**9)
    assert result.billed == 0
    assert (LedgerEntry.objects.count(), Bill.objects.count()) == before


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    usage=st.lists(st.integers(0, 900), min_size=len(PERIODS), max_size=len(PERIODS)),
    late=st.sets(st.integers(0, len(PERIODS) - 2)),
    delay=st.integers(1, 3),
    payments=st.lists(
        st.tuples(st.integers(0, len(PERIODS) - 1), st.integers(1, 28), st.integers(1, 3000)), max_size=4
    ),
)
def test_late_readings_end_as_if_on_time_and_the_ledger_balances(clock, norms_and_rates, usage, late, delay, payments):
    try:
        with transaction.atomic():
            # A price rise in the middle of January 2027, so the months' split matters.
            TariffPrice.objects.create(
                category=norms_and_rates, scheme=1, zone="total", valid_from=dt.date(2027, 1, 15), price=D("6.70")
            )
            on_time = MeterFactory(account__number="6300000201", account__tariff_category=norms_and_rates)
            belated = MeterFactory(account__number="6300000202", account__tariff_category=norms_and_rates)
            value = history(on_time, {"total": 10_000})["total"]
            history(belated, {"total": 10_000})
            pending: dict[int, list[int]] = {}
            for index, period in enumerate(PERIODS):
                value += usage[index]
                taken = period.day(20)
                add_submission(on_time, taken, {"total": value}, state=Reading.State.ACCEPTED)
                if index in late:  # entered later (an inspector's round keyed in afterwards), for its own period
                    pending.setdefault(min(index + delay, len(PERIODS) - 1), []).append((taken, value))
                else:
                    add_submission(belated, taken, {"total": value}, state=Reading.State.ACCEPTED)
                for taken_on, late_value in pending.pop(index, []):
                    add_submission(belated, taken_on, {"total": late_value}, state=Reading.State.ACCEPTED)
                clock.set(period.day(27))
                for when, day, amount in payments:
                    if when == index:
                        for meter in (on_time, belated):
                            post_payment(
                                account=meter.account, amount=D(amount), paid_on=period.day(day),
                                reference=f"{meter.pk}-{index}-{day}-{amount}",
                            )  # fmt: skip
                from billing.services import close_period

                clock.set((period + 1).day(1))
                assert close_period(period=period).state == BillingRun.State.CLOSED
                assert_ledger_balances()
                assert_closing_again_changes_nothing(period)
            assert charged(belated.account) == charged(on_time.account)
            raise Rollback
    except Rollback:
        pass


@settings(max_examples=300, deadline=None)
@given(
    opening=st.integers(-500_00, 5000_00),
    movements=st.lists(st.tuples(st.integers(-40, 40), st.integers(-3000_00, 3000_00)), max_size=4),
    debts=st.lists(st.tuples(st.integers(-150, 40), st.integers(-1000_00, 3000_00)), max_size=4),
)
def test_penalty_days_shortcut_gives_what_the_day_by_day_walk_gives(opening, movements, debts):
    """``penalty_days`` skips the walk when nothing can be overdue; the walk itself agrees, day by day."""
    from unittest import mock

    from billing import rules

    first, last = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    arguments = {
        "first_day": first,
        "last_day": last,
        "opening": D(opening) / 100,
        "movements": [(first + dt.timedelta(days=day), D(cents) / 100) for day, cents in movements],
        "debts": [rules.Debt(first + dt.timedelta(days=day), D(cents) / 100) for day, cents in debts],
        "key_rates": [(dt.date(2025, 10, 27), D("16.5"))],
    }
    fast = rules.penalty_days(**arguments)
    with mock.patch.object(rules, "_never_overdue", return_value=False):
        walked = rules.penalty_days(**arguments)
    assert fast == walked


def reference_penalty_days(*, first_day, last_day, opening, movements, debts, key_rates):
    """The rule as written, day by day: the oracle for ``rules.penalty_days``' stretches."""
    from django.conf import settings as django_settings

    from billing import rules

    ordered = sorted(movements)
    days = []
    day, balance, moved = first_day, opening, 0
    while day <= last_day:
        while moved < len(ordered) and ordered[moved][0] < day:
            balance += ordered[moved][1]
            moved += 1
        if balance > 0:

            def unpaid(last_due, balance=balance):
                newer = sum((d.amount for d in debts if d.due_on > last_due and d.amount > 0), D(0))
                return max(balance - newer, D(0))

            overdue_first = unpaid(day - dt.timedelta(days=django_settings.BILLING_PENALTY_FIRST_DAY))
            overdue_second = unpaid(day - dt.timedelta(days=django_settings.BILLING_PENALTY_SECOND_DAY))
            if overdue_first > 0:
                rate = rules.penalty_rate(day, key_rates)
                if rate is None:
                    raise rules.KeyRateMissing(day)
                base_first = overdue_first - overdue_second
                amount = (
                    (
                        base_first / D(django_settings.BILLING_PENALTY_FIRST_DIVISOR)
                        + overdue_second / D(django_settings.BILLING_PENALTY_SECOND_DIVISOR)
                    )
                    * rate
                    / 100
                )
                days.append(rules.PenaltyDay(day, rate, base_first, overdue_second, amount))
        day += dt.timedelta(days=1)
    return days


@settings(max_examples=400, deadline=None)
@given(
    start=st.sampled_from([dt.date(2026, 10, 1), dt.date(2026, 12, 1), dt.date(2027, 2, 1)]),
    opening=st.integers(-500_00, 9000_00),
    movements=st.lists(st.tuples(st.integers(-40, 40), st.integers(-3000_00, 3000_00)), max_size=5),
    debts=st.lists(st.tuples(st.integers(-200, 40), st.integers(-1000_00, 5000_00)), max_size=5),
    rates=st.lists(st.tuples(st.integers(-400, 60), st.sampled_from(["7.5", "9.5", "16.5", "21"])), max_size=3),
    cap_day=st.integers(-5, 40),
)
def test_penalty_stretches_give_every_day_the_rule_gives(start, opening, movements, debts, rates, cap_day):
    """Whole stretches of equal days (``rules.penalty_days``, ``rules.penalty_total``) are the day-by-day rule,
    across payments, debts falling 31 and 91 days overdue, key rate changes and the end of the cap."""
    from billing import rules

    first, last = start, (Period.of(start)).last_day
    arguments = {
        "first_day": first,
        "last_day": last,
        "opening": D(opening) / 100,
        "movements": [(first + dt.timedelta(days=day), D(cents) / 100) for day, cents in movements],
        "debts": [rules.Debt(first + dt.timedelta(days=day), D(cents) / 100) for day, cents in debts],
        "key_rates": sorted(
            [(dt.date(2025, 10, 27), D("16.5"))] + [(first + dt.timedelta(days=d), D(r)) for d, r in rates]
        ),
    }
    from django.test import override_settings

    with override_settings(BILLING_PENALTY_RATE_CAP_UNTIL=first + dt.timedelta(days=cap_day)):
        expected = reference_penalty_days(**arguments)
        assert rules.penalty_days(**arguments) == expected
        assert rules.penalty_total(**arguments) == sum((d.amount for d in expected), D(0))


def test_a_missing_key_rate_is_reported_on_the_first_day_that_needs_it():
    from billing import rules

    arguments = {
        "first_day": dt.date(2026, 10, 1),
        "last_day": dt.date(2026, 10, 31),
        "opening": D("1000"),
        "movements": [],
        "debts": [rules.Debt(dt.date(2026, 8, 15), D("1000"))],  # 31 days overdue from 15.09
        "key_rates": [(dt.date(2026, 10, 10), D("16.5"))],
    }
    with pytest.raises(rules.KeyRateMissing) as missing:
        rules.penalty_days(**arguments)
    assert missing.value.args[0] == dt.date(2026, 10, 1)
    with pytest.raises(rules.KeyRateMissing):
        reference_penalty_days(**arguments)
