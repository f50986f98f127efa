"""`manage.py seed_demo`, which `make run` calls every time: idempotent, a year of history."""

from io import StringIO

import pytest
from django.core.management import call_command

from customers.models import Account
from identity.models import User
from metering.models import Meter, Reading

pytestmark = pytest.mark.django_db


def counts():
    return (User.objects.count(), Account.objects.count(), Meter.objects.count(), Reading.objects.count())


def test_seed_demo_twice_changes_nothing_the_second_time():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    # four customers, the administrator and a staff member per role; five accounts, a meter each
    assert first[:3] == (9, 5, 5)
    phones = set(User.objects.values_list("phone", flat=True))
    assert {"+79990000001", "+79990000002", "+79990000003", "+79990000004"} <= phones
    schemes = dict(Meter.objects.values_list("account__number", "scheme"))
    assert schemes["6300000001"] == 1 and schemes["6300000002"] == 2 and schemes["6300000003"] == 3


def test_every_demo_meter_has_twelve_months_of_readings():
    call_command("seed_demo", stdout=StringIO())
    for meter in Meter.objects.all():
        periods = set(
            Reading.objects.filter(meter=meter).exclude(source="installation").values_list("period", flat=True)
        )
        assert len(periods) == 12


def test_synthetic_accounts_for_benchmarks():
    out = StringIO()
    call_command("seed_demo", "--accounts", "7", stdout=out)
    call_command("seed_demo", "--accounts", "7", stdout=StringIO())
    synthetic = Account.objects.filter(number__startswith="70000000")
    assert synthetic.count() == 7
    assert Reading.objects.filter(meter__account__in=synthetic).exclude(source="installation").count() >= 7 * 12
    assert "synthetic: 7 new accounts" in out.getvalue()
