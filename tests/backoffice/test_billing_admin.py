"""Billing staff close a period from the back office and watch its progress; balance adjustments need a
reason and are audited; customers and staff without the permission are refused."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from billing.models import Bill, BillingRun, LedgerEntry
from core.models import AuditEntry
from core.periods import Period
from identity.models import User
from metering.models import Reading
from tests.factories import UserFactory, add_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = User.objects.create_superuser("+79990000098", "Admin-Pass-2026")
    client.force_login(admin)
    return client


@pytest.fixture
def november(meter, clock):
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    clock.set(dt.date(2026, 12, 2))
    return meter


def test_staff_close_a_period_and_see_its_progress(staff, november):
    url = reverse("admin:billing_billingrun_close")
    assert "Закрыть расчётный период" in staff.get(url).content.decode()
    response = staff.post(url, {"period": "2026-11"})
    run = BillingRun.objects.get(period=Period(2026, 11))
    assert response.status_code == 302 and response["Location"].endswith(f"/{run.pk}/change/")
    assert run.state == BillingRun.State.CLOSED
    assert Bill.objects.get(account=november.account).charged == D("1500.00")
    bar = staff.get(reverse("admin:billing_billingrun_progress", args=[run.pk])).content.decode()
    assert '<progress max="1" value="1">' in bar and "hx-get" not in bar  # done: no more polling


def test_bills_and_entries_are_filtered_by_billing_period(staff, november):
    staff.post(reverse("admin:billing_billingrun_close"), {"period": "2026-11"})
    url = reverse("admin:billing_bill_changelist")
    page = staff.get(url).content.decode()
    # The closed period and the open one after it, by name; no calendar choices for a month column.
    assert ">ноябрь 2026<" in page and ">декабрь 2026<" in page and "Последние 7 дней" not in page
    assert "2026116300000101" in staff.get(url, {"period": "2026-11"}).content.decode()
    assert "2026116300000101" not in staff.get(url, {"period": "2026-12"}).content.decode()
    assert "2026116300000101" not in staff.get(url, {"period": "ноябрь"}).content.decode()
    entries = staff.get(reverse("admin:billing_ledgerentry_changelist"), {"period": "2026-11"})
    assert entries.status_code == 200 and "1500" in entries.content.decode().replace("\xa0", "")


def test_closing_twice_from_the_back_office_is_refused_with_the_reason(staff, november):
    url = reverse("admin:billing_billingrun_close")
    staff.post(url, {"period": "2026-11"})
    page = staff.post(url, {"period": "2026-11"}).content.decode()
    assert "уже закрыт" in page
    page = staff.post(url, {"period": "ноябрь"}).content.decode()
    assert "ГГГГ-ММ" in page


def test_an_adjustment_needs_a_reason_and_is_audited(staff, november):
    url = reverse("admin:billing_ledgerentry_adjust")
    page = staff.post(url, {"account": "6300000101", "amount": "-150.00", "reason": " "}).content.decode()
    assert "обязательное" in page.lower() or "Укажите основание" in page
    assert not LedgerEntry.objects.exists()
    assert "не найден" in staff.post(url, {"account": "6300009999", "amount": "5", "reason": "x"}).content.decode()

    response = staff.post(url, {"account": "6300000101", "amount": "-150.00", "reason": "Компенсация за перебой"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.period) == ("adjustment", D("-150.00"), Period(2026, 12))
    assert AuditEntry.objects.filter(action="billing.adjustment", reason="Компенсация за перебой").exists()


def test_customers_and_staff_without_the_permission_are_refused(client, november):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:billing_billingrun_close")).status_code == 302  # to the admin login
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_billingrun"))
    client.force_login(operator)
    assert client.post(reverse("admin:billing_billingrun_close"), {"period": "2026-11"}).status_code == 403
    assert client.post(reverse("admin:billing_ledgerentry_adjust"), {"account": "6300000101"}).status_code == 403
    assert not BillingRun.objects.exists()
