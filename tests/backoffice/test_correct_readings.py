"""Staff correct a meter's latest readings in the back office, with a reason that is audited."""

import pytest
from django.urls import reverse

from core.demo import STAFF_PHONE, seed_demo
from core.models import AuditEntry
from identity.models import User
from metering.models import Meter, Reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter():
    seed_demo()
    return Meter.objects.get(account__number="6300000002")


def latest(meter):
    return {
        r.zone: r
        for r in Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("-taken_on", "-id")[:2]
    }


def test_staff_corrects_latest_readings_with_reason(client, meter):
    client.force_login(User.objects.get(phone=STAFF_PHONE))
    before = latest(meter)
    url = reverse("admin:metering_meter_correct", args=[meter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert str(before["day"].value) in page.content.decode()

    response = client.post(
        url, {"day": before["day"].value - 5, "night": before["night"].value, "reason": "Ошибка оператора при вводе"}
    )

    assert response.status_code == 302
    after = latest(meter)
    assert after["day"].value == before["day"].value - 5
    assert after["day"].source == Reading.Source.STAFF
    assert Reading.objects.get(pk=before["day"].pk).state == Reading.State.REPLACED
    entry = AuditEntry.objects.get(action="reading.corrected_by_staff")
    assert entry.reason == "Ошибка оператора при вводе"
    assert entry.changes["before"]["day"] == before["day"].value
    assert entry.changes["after"]["day"] == before["day"].value - 5


def test_correction_without_reason_is_refused_and_changes_nothing(client, meter):
    client.force_login(User.objects.get(phone=STAFF_PHONE))
    before = latest(meter)
    url = reverse("admin:metering_meter_correct", args=[meter.pk])

    response = client.post(url, {"day": "1", "night": "1", "reason": ""})

    assert response.status_code == 200
    assert "Обязательное поле" in response.content.decode()
    assert latest(meter) == before


def test_correction_below_the_previous_reading_is_refused(client, meter):
    client.force_login(User.objects.get(phone=STAFF_PHONE))
    url = reverse("admin:metering_meter_correct", args=[meter.pk])
    before = latest(meter)

    response = client.post(url, {"day": "5", "night": str(before["night"].value), "reason": "проверка"})

    assert response.status_code == 200
    assert "меньше последнего принятого" in response.content.decode()
    assert latest(meter) == before


def test_customer_cannot_open_the_correction_page(client, meter):
    client.force_login(User.objects.get(phone="+79990000002"))
    response = client.get(reverse("admin:metering_meter_correct", args=[meter.pk]))
    assert response.status_code == 302  # to the admin login
    assert "/backoffice/login/" in response["Location"]
