"""A customer files each kind of request from its own form; each form asks for what the kind needs
and refuses what does not fit, with the reason next to the field."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from core.models import AuditEntry
from identity.models import User
from service.models import Attachment, Request, StatusChange
from tests.factories import MeterFactory, UserFactory, link

from .files import jpeg_bytes, pdf_bytes, photo, upload

pytestmark = pytest.mark.django_db


def new_url(kind: str) -> str:
    return reverse("service:new", args=[kind])


def file(client, kind: str, data: dict, files: dict | None = None):
    return client.post(new_url(kind), {"token": str(uuid.uuid4()), **data, **(files or {})})


def errors(response) -> str:
    return response.content.decode()


def test_verification_request_keeps_the_meter_dates_and_the_contact_phone(cabinet, customer, meter):
    response = file(
        cabinet,
        "verification",
        {
            "meter": meter.pk,
            "preferred_from": "2026-11-23",
            "preferred_to": "27.11.2026",
            "contact_phone": "8 (916) 123-45-67",
            "text": "Крутится без нагрузки",
        },
    )
    filed = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("service:detail", args=[filed.pk])
    assert (filed.kind, filed.status, filed.user, filed.meter, filed.account) == (
        "verification", "new", customer, meter, meter.account,
    )  # fmt: skip
    assert filed.subject == f"Внеочередная поверка счётчика № {meter.serial}"
    assert filed.details == {
        "preferred_from": "2026-11-23",
        "preferred_to": "2026-11-27",
        "contact_phone": "+79161234567",
    }
    assert list(StatusChange.objects.values_list("from_status", "to_status", "by")) == [("", "new", customer.pk)]
    assert AuditEntry.objects.filter(action="service.request_filed", actor=customer, account=meter.account).exists()
    page = cabinet.get(response["Location"]).content.decode()
    assert "с 23.11.2026 по 27.11.2026" in page and "+79161234567" in page
    assert "Обращение № " in cabinet.get(response["Location"], follow=True).content.decode()


def test_a_visit_cannot_be_asked_for_today_or_with_dates_reversed(cabinet, meter):
    response = file(
        cabinet,
        "verification",
        {
            "meter": meter.pk,
            "preferred_from": "2026-11-20",
            "preferred_to": "2026-11-19",
            "contact_phone": "+79161234567",
        },
    )
    assert response.status_code == 422
    assert "не раньше завтрашнего дня" in errors(response)
    assert "Конечная дата раньше начальной" in errors(response)
    assert not Request.objects.exists()


def test_replacement_request_records_the_reason(cabinet, meter):
    file(
        cabinet,
        "replacement",
        {
            "meter": meter.pk,
            "reason": "zones",
            "preferred_from": "2026-12-01",
            "preferred_to": "2026-12-05",
            "contact_phone": "+79161234567",
        },
    )
    filed = Request.objects.get()
    assert filed.kind == "replacement" and filed.details["reason"] == "zones"
    assert "хочу многотарифный счётчик" in cabinet.get(reverse("service:detail", args=[filed.pk])).content.decode()


def test_correction_request_stores_the_right_values_and_the_photo(cabinet, meter, private_root):
    response = file(
        cabinet,
        "correction",
        {"meter": meter.pk, "value_total": "11 150", "reading_date": "2026-11-18", "text": "Лишняя цифра"},
        {"uploads": photo("счётчик.jpg")},
    )
    assert response.status_code == 302
    filed = Request.objects.get()
    assert filed.details == {"values": {"total": 11150}, "reading_date": "2026-11-18"}
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.request) == (
        "счётчик.jpg",
        "image/jpeg",
        filed,
    )
    stored = private_root / attachment.file.name
    assert stored.is_file() and stored.suffix == ".jpg" and "счётчик" not in stored.name
    assert stored.read_bytes()[:3] == b"\xff\xd8\xff"


def test_correction_without_a_photo_is_refused(cabinet, meter):
    response = file(cabinet, "correction", {"meter": meter.pk, "value_total": "11150"})
    assert response.status_code == 422
    assert "Приложите фото счётчика, на котором видны показания." in errors(response)
    assert not Request.objects.exists()


def test_correction_with_only_a_pdf_is_refused_because_a_photo_is_needed(cabinet, meter):
    response = file(
        cabinet, "correction", {"meter": meter.pk, "value_total": "11150"}, {"uploads": upload("scan.pdf", pdf_bytes())}
    )
    assert response.status_code == 422
    assert "Приложите фото счётчика" in errors(response)
    assert not Request.objects.exists() and not Attachment.objects.exists()


def test_correction_values_follow_the_reading_rules(cabinet, meter):
    response = file(cabinet, "correction", {"meter": meter.pk, "value_total": "11150,7"}, {"uploads": photo()})
    assert "вместо 11150,7 введите 11150" in errors(response)
    assert not Request.objects.exists()


def test_correction_form_asks_for_each_zone_of_the_chosen_meter(cabinet, customer, meter):
    two_zone = MeterFactory(account=meter.account, scheme=2)
    page = cabinet.get(new_url("correction"), {"meter": two_zone.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="value_day"' in page and 'name="value_night"' in page and 'name="value_total"' not in page
    response = file(cabinet, "correction", {"meter": two_zone.pk, "value_day": "100"}, {"uploads": photo()})
    assert response.status_code == 422 and not Request.objects.exists()
    file(cabinet, "correction", {"meter": two_zone.pk, "value_day": "100", "value_night": "50"}, {"uploads": photo()})
    assert Request.objects.get().details["values"] == {"day": 100, "night": 50}


def test_question_needs_a_text_and_may_name_an_account(cabinet, meter):
    response = file(cabinet, "question", {"topic": "charges", "account": "", "text": " "})
    assert response.status_code == 422 and "Обязательное поле" in errors(response)
    file(cabinet, "question", {"topic": "charges", "account": meter.account.pk, "text": "Почему выросла сумма?"})
    filed = Request.objects.get()
    assert (filed.subject, filed.account, filed.details) == (
        "Вопрос: начисления и оплата",
        meter.account,
        {"topic": "charges"},
    )


def test_complaint_keeps_its_short_title_and_an_optional_pdf(cabinet):
    file(
        cabinet,
        "complaint",
        {"title": "Грубый оператор", "text": "Вчера в 15:00 на горячей линии"},
        {"uploads": upload("акт.pdf", pdf_bytes())},
    )
    filed = Request.objects.get()
    assert filed.subject == "Жалоба: Грубый оператор" and filed.account is None
    assert filed.attachments.get().content_type == "application/pdf"


def test_contract_questions_are_for_business_users_only(cabinet, client, meter):
    assert cabinet.get(new_url("contract")).status_code == 404
    assert "Вопрос по договору" not in cabinet.get(reverse("service:choose")).content.decode()
    assert file(cabinet, "contract", {"contract_number": "Д-1", "topic": "amend", "text": "?"}).status_code == 404

    business = UserFactory(kind=User.Kind.BUSINESS)
    client.force_login(business)
    assert "Вопрос по договору" in client.get(reverse("service:choose")).content.decode()
    file(client, "contract", {"contract_number": "Д-17/2026", "topic": "reconciliation", "text": "Нужен акт сверки"})
    filed = Request.objects.get()
    assert filed.subject == "Договор Д-17/2026: акт сверки"
    assert filed.details == {"contract_number": "Д-17/2026", "topic": "reconciliation"}


def test_another_customers_meter_or_account_cannot_be_chosen(cabinet):
    foreign = MeterFactory()
    response = file(
        cabinet,
        "verification",
        {
            "meter": foreign.pk,
            "preferred_from": "2026-11-23",
            "preferred_to": "2026-11-24",
            "contact_phone": "+79161234567",
        },
    )
    assert response.status_code == 422 and "Выберите корректный вариант" in errors(response)
    response = file(cabinet, "question", {"topic": "other", "account": foreign.account.pk, "text": "?"})
    assert response.status_code == 422
    assert not Request.objects.exists()


def test_the_same_form_sent_twice_files_one_request(cabinet):
    data = {"token": str(uuid.uuid4()), "topic": "other", "text": "Двойной клик"}
    first = cabinet.post(new_url("question"), data)
    second = cabinet.post(new_url("question"), data)
    assert Request.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_filing_is_limited_per_hour(cabinet, settings):
    settings.SERVICE_REQUESTS_PER_HOUR = 2
    for n in range(2):
        assert file(cabinet, "question", {"topic": "other", "text": f"Вопрос {n}"}).status_code == 302
    response = file(cabinet, "question", {"topic": "other", "text": "Третий"})
    assert response.status_code == 422
    assert "Слишком много обращений за последнее время" in errors(response)
    assert Request.objects.count() == 2


def test_a_refused_attachment_leaves_no_request_and_no_file(cabinet, meter, private_root):
    response = file(
        cabinet,
        "correction",
        {"meter": meter.pk, "value_total": "11150"},
        {"uploads": upload("meter.jpg", pdf_bytes())},
    )
    assert "назван как JPEG, но на самом деле это PDF" in errors(response)
    assert not Request.objects.exists()
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))


def test_a_customer_without_meters_is_told_to_link_an_account_first(client, today):
    client.force_login(UserFactory())
    page = client.get(new_url("verification")).content.decode()
    assert "не привязан ни один действующий счётчик" in page and reverse("portal:link") in page


def test_pages_need_a_login(client):
    for url in (reverse("service:list"), reverse("service:choose"), new_url("question")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_shows_only_the_customers_own_requests(cabinet, customer):
    other = UserFactory()
    Request.objects.create(user=other, kind="question", subject="Чужой вопрос")
    Request.objects.create(user=customer, kind="question", subject="Мой вопрос")
    page = cabinet.get(reverse("service:list")).content.decode()
    assert "Мой вопрос" in page and "Чужой вопрос" not in page


def test_a_big_photo_is_refused_on_the_form(cabinet, meter, settings):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = 50 * 1024
    response = file(
        cabinet,
        "correction",
        {"meter": meter.pk, "value_total": "11150"},
        {"uploads": upload("big.jpg", jpeg_bytes((400, 300), noise=True))},
    )
    assert response.status_code == 422 and "можно не больше" in errors(response)


@pytest.mark.parametrize("days", [91, 200])
def test_a_visit_far_ahead_is_refused(cabinet, meter, days):
    end = dt.date(2026, 11, 20) + dt.timedelta(days=days)
    response = file(
        cabinet,
        "verification",
        {
            "meter": meter.pk,
            "preferred_from": "2026-11-23",
            "preferred_to": end.isoformat(),
            "contact_phone": "+79161234567",
        },
    )
    assert "ближайшие 90 дней" in errors(response)


def test_linked_users_see_their_own_meters_only(cabinet, customer, meter):
    relative = MeterFactory()
    link(customer, relative.account)
    page = cabinet.get(new_url("verification")).content.decode()
    assert meter.serial in page and relative.serial in page
