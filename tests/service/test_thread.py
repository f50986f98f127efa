"""The conversation of a request: the customer writes, staff answer in the back office, the customer is
told of every answer, closes the request and rates the answer; nobody else ever sees it."""

from __future__ import annotations

import uuid
from email.header import decode_header, make_header

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEntry
from service import services
from service.attachments import inspect
from service.models import Message, Request, StatusChange
from tests.backoffice.staff import staff
from tests.factories import UserFactory
from tests.messages import sms_texts

from .files import pdf_bytes, photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(customer, meter, today):
    return services.file_request(
        user=customer, kind="question", subject="Вопрос: тарифы", text="Какой тариф выгоднее?", account=meter.account
    )


@pytest.fixture
def operator(client):
    return staff("operator", first_name="Ольга", last_name="Операторова")


def answer(client, operator, request, text="Двухзонный выгоднее.", **extra):
    client.force_login(operator)
    return client.post(
        reverse("admin:service_request_reply", args=[request.pk]), {"text": text, "token": str(uuid.uuid4()), **extra}
    )


def test_customer_adds_to_the_thread_with_htmx_and_sees_the_conversation(cabinet, filed):
    response = cabinet.post(
        reverse("service:reply", args=[filed.pk]),
        {
            "text": "Дополню: плита газовая.",
            "token": str(uuid.uuid4()),
            "uploads": upload("квитанция.pdf", pdf_bytes()),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<div id="conversation">') and "Дополню: плита газовая." in page
    assert "квитанция.pdf" in page
    message = Message.objects.get()
    assert (message.from_staff, message.attachments.get().original_name) == (False, "квитанция.pdf")


def test_an_empty_message_is_refused_in_place(cabinet, filed):
    response = cabinet.post(reverse("service:reply", args=[filed.pk]), {"text": "  "}, HTTP_HX_REQUEST="true")
    assert "Обязательное поле" in response.content.decode()
    assert not Message.objects.exists()


def test_staff_answer_marks_the_request_answered_and_sends_the_customer_the_answer(
    client, customer, operator, filed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, operator, filed, "Вам выгоднее двухзонный тариф: ночью дешевле на 40 %.")
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.assignee) == ("answered", operator)
    assert StatusChange.objects.filter(request=filed, to_status="answered", by=operator).exists()
    # No confirmed e-mail: the answer comes by SMS, with the number and the answer itself.
    assert sms_texts(customer.phone) == [
        f"Ответ на ваше обращение № {filed.number}: «Вам выгоднее двухзонный тариф: ночью дешевле на 40 %.» "
        "Подробнее в личном кабинете."
    ]
    assert AuditEntry.objects.filter(
        action="service.request_answered", actor=operator, object_id=str(filed.pk)
    ).exists()


def test_a_customer_with_a_confirmed_email_gets_the_answer_by_email_with_a_link(
    client, customer, operator, filed, smtp
):
    customer.email, customer.email_confirmed = "ivan@example.ru", True
    customer.save()
    answer(client, operator, filed, "Ответ по существу.")
    [(recipients, message)] = smtp.messages
    assert recipients == ["ivan@example.ru"]
    assert str(make_header(decode_header(message["Subject"]))) == f"Ответ на обращение № {filed.number}"
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "«Ответ по существу.»" in body
    assert f"http://127.0.0.1:8000/requests/{filed.pk}/" in body


def test_the_same_answer_form_sent_twice_is_one_answer_and_one_message(
    client, customer, operator, filed, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    data = {"text": "Один ответ", "token": str(uuid.uuid4())}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:service_request_reply", args=[filed.pk]), data)
        client.post(reverse("admin:service_request_reply", args=[filed.pk]), data)
    assert Message.objects.filter(from_staff=True).count() == 1
    assert len(sms_texts(customer.phone)) == 1


def test_the_customer_sees_the_answer_on_the_request_page(cabinet, client, operator, filed):
    answer(client, operator, filed, "Смотрите тарифы на сайте.")
    cabinet.force_login(filed.user)
    page = cabinet.get(reverse("service:detail", args=[filed.pk])).content.decode()
    assert "Смотрите тарифы на сайте." in page and "Специалист Ольга" in page and "Дан ответ" in page


def test_a_customer_reply_after_an_answer_puts_the_request_back_in_work(cabinet, client, operator, filed):
    answer(client, operator, filed)
    services.add_customer_message(request_id=filed.pk, user=filed.user, text="А если электроплита?")
    filed.refresh_from_db()
    assert filed.status == "in_work"
    assert StatusChange.objects.filter(request=filed, from_status="answered", to_status="in_work").exists()


def test_a_closed_request_takes_no_more_messages(cabinet, filed):
    services.close_by_customer(request_id=filed.pk, user=filed.user)
    response = cabinet.post(reverse("service:reply", args=[filed.pk]), {"text": "Ещё вопрос"})
    assert response.status_code == 422
    assert "Обращение закрыто. Если вопрос остался, подайте новое обращение." in response.content.decode()
    assert not Message.objects.exists()


def test_staff_may_close_with_the_answer_and_the_customer_rates_it_once(cabinet, client, operator, filed):
    answer(client, operator, filed, "Готово.", close="on")
    filed.refresh_from_db()
    assert filed.status == "closed" and filed.closed_at is not None
    cabinet.force_login(filed.user)
    assert "Оцените ответ" in cabinet.get(reverse("service:detail", args=[filed.pk])).content.decode()

    response = cabinet.post(reverse("service:rate", args=[filed.pk]), {"score": "4", "comment": "Быстро"})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert (filed.rating, filed.rating_comment) == (4, "Быстро")
    page = cabinet.get(reverse("service:detail", args=[filed.pk])).content.decode()
    assert "Ваша оценка ответа: 4 из 5." in page and "Оцените ответ" not in page

    again = cabinet.post(reverse("service:rate", args=[filed.pk]), {"score": "1"})
    assert again.status_code == 422 and "Вы уже оценили ответ" in again.content.decode()
    filed.refresh_from_db()
    assert filed.rating == 4


def test_an_open_or_unanswered_request_cannot_be_rated(cabinet, filed):
    response = cabinet.post(reverse("service:rate", args=[filed.pk]), {"score": "5"})
    assert "после закрытия обращения" in response.content.decode()
    services.close_by_customer(request_id=filed.pk, user=filed.user)
    response = cabinet.post(reverse("service:rate", args=[filed.pk]), {"score": "5"})
    assert "не было ответа специалиста" in response.content.decode()
    assert cabinet.post(reverse("service:rate", args=[filed.pk]), {"score": "6"}).status_code == 422
    filed.refresh_from_db()
    assert filed.rating is None


def test_another_customer_gets_404_on_every_page_of_the_request(client, filed, private_root):
    services.add_customer_message(request_id=filed.pk, user=filed.user, text="Фото", files=[inspect(photo())])
    attachment = filed.attachments.get()
    client.force_login(UserFactory())
    urls = [
        reverse("service:detail", args=[filed.pk]),
        reverse("service:attachment", args=[filed.pk, attachment.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    for name in ("reply", "close", "rate"):
        assert client.post(reverse(f"service:{name}", args=[filed.pk]), {"text": "x", "score": "5"}).status_code == 404
    filed.refresh_from_db()
    assert (filed.status, filed.rating, filed.messages.count()) == ("new", None, 1)


def test_the_owner_downloads_an_attachment_with_safe_headers(cabinet, filed):
    services.add_customer_message(
        request_id=filed.pk,
        user=filed.user,
        text="Скан",
        files=[inspect(upload("акт сверки.pdf", pdf_bytes()))],
    )
    attachment = filed.attachments.get()
    response = cabinet.get(reverse("service:attachment", args=[filed.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # The file has no public address: nothing under MEDIA_URL or STATIC_URL serves it.
    assert cabinet.get("/media/" + attachment.file.name).status_code == 404


def test_staff_transitions_follow_the_table(filed, operator):
    with pytest.raises(DomainError, match="нельзя перевести"):
        services.change_status(request_id=filed.pk, staff=operator, status="answered")
    services.change_status(request_id=filed.pk, staff=operator, status="in_work")
    services.change_status(request_id=filed.pk, staff=operator, status="closed", note="Дубль")
    with pytest.raises(DomainError, match="нельзя перевести"):
        services.change_status(request_id=filed.pk, staff=operator, status="in_work")
    assert list(StatusChange.objects.filter(request=filed).values_list("to_status", flat=True)) == [
        "new", "in_work", "closed",
    ]  # fmt: skip


def test_assigning_a_new_request_puts_it_in_work_and_only_answering_staff_can_be_assignees(client, filed, operator):
    inspector = staff("inspector")
    client.force_login(operator)
    response = client.post(reverse("admin:service_request_assign", args=[filed.pk]), {"assignee": inspector.pk})
    assert response.status_code == 200 and "Выберите корректный вариант" in response.content.decode()
    client.post(reverse("admin:service_request_assign", args=[filed.pk]), {"me": "1"})
    filed.refresh_from_db()
    assert (filed.assignee, filed.status) == (operator, "in_work")
    with pytest.raises(DomainError):
        services.assign_request(request_id=filed.pk, staff=operator, assignee=inspector)


def test_customers_cannot_answer_through_the_service(filed):
    with pytest.raises(DomainError, match="только сотрудники"):
        services.answer_request(request_id=filed.pk, staff=filed.user, text="Сам себе отвечу")
    assert not Request.objects.get().messages.exists()


def test_staff_open_attachments_only_through_the_back_office(client, filed, operator):
    services.add_customer_message(request_id=filed.pk, user=filed.user, text="Фото", files=[inspect(photo())])
    attachment = filed.attachments.get()
    staff_url = reverse("admin:service_request_file", args=[filed.pk, attachment.pk])
    client.force_login(operator)
    response = client.get(staff_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    page = client.get(reverse("admin:service_request_change", args=[filed.pk])).content.decode()
    assert staff_url in page
    # Staff are not the owner: the customer's own download address does not serve them.
    assert client.get(reverse("service:attachment", args=[filed.pk, attachment.pk])).status_code == 404
    client.force_login(filed.user)
    assert client.get(staff_url).status_code == 302  # to the back-office login
