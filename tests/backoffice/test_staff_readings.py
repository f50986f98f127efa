"""Staff enter readings a customer dictates on the phone, through the same rules and preview as the
portal; the reading is stored as the staff channel with the staff member as who entered it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEntry
from metering.models import Reading

from .staff import staff

pytestmark = pytest.mark.django_db


def url(meter):
    return reverse("admin:backoffice_customercard_readings", args=[meter.account.customer_id, meter.pk])


def test_operator_previews_then_enters_a_reading_for_the_customer(client, meter, today):
    operator = staff("operator")
    client.force_login(operator)
    preview = client.post(url(meter), {"total": "11 380", "taken_on": "2026-11-20", "action": "preview"})
    page = preview.content.decode()
    assert preview.status_code == 200 and 'id="preview"' in page and "<td>180</td>" in page  # 11 380 − 11 200 kWh
    assert not Reading.objects.filter(source=Reading.Source.STAFF).exists()

    response = client.post(url(meter), {"total": "11380", "taken_on": "2026-11-20", "action": "submit"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:backoffice_customercard_change", args=[meter.account.customer_id])
    reading = Reading.objects.get(source=Reading.Source.STAFF)
    assert (reading.value, reading.entered_by, reading.state) == (11380, operator, Reading.State.ACCEPTED)
    entry = AuditEntry.objects.get(action="reading.submitted", channel=Reading.Source.STAFF)
    assert (entry.actor, entry.account) == (operator, meter.account)
    assert "Показания счётчика" in client.get(response["Location"]).content.decode()


def test_a_reading_below_the_last_one_is_refused_with_the_rules_message(client, meter, today):
    client.force_login(staff("inspector"))
    page = client.post(url(meter), {"total": "100", "taken_on": "2026-11-20", "action": "submit"}).content.decode()
    assert "меньше последнего принятого" in page
    assert not Reading.objects.filter(source=Reading.Source.STAFF).exists()


def test_an_unusual_volume_needs_the_customers_confirmation(client, meter, today):
    client.force_login(staff("operator"))
    data = {"total": "31200", "taken_on": "2026-11-20", "action": "submit"}
    page = client.post(url(meter), data).content.decode()
    assert "Абонент подтвердил показания" in page
    assert not Reading.objects.filter(source=Reading.Source.STAFF).exists()
    client.post(url(meter), {**data, "confirm_implausible": "on"})
    assert Reading.objects.get(source=Reading.Source.STAFF).implausible_confirmed


def test_a_date_in_the_future_is_refused(client, meter, today):
    client.force_login(staff("operator"))
    page = client.post(url(meter), {"total": "11300", "taken_on": "2026-11-21", "action": "submit"}).content.decode()
    assert "не может быть в будущем" in page


def test_a_meter_of_another_customer_is_not_found_under_this_card(client, meter, today):
    from tests.factories import MeterFactory

    other = MeterFactory()
    client.force_login(staff("operator"))
    wrong = reverse("admin:backoffice_customercard_readings", args=[meter.account.customer_id, other.pk])
    assert client.get(wrong).status_code == 404


def test_billing_staff_may_not_enter_readings(client, meter, today):
    client.force_login(staff("billing"))
    assert client.post(url(meter), {"total": "11380", "taken_on": "2026-11-20", "action": "submit"}).status_code == 403
    assert not Reading.objects.filter(source=Reading.Source.STAFF).exists()
