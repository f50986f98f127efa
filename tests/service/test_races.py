"""The same form arriving several times at once (double clicks, retries, two tabs) files one request
and sends one answer with one message to the customer.

Needs real row locks and unique checks across connections, so it runs on PostgreSQL only.
"""

from __future__ import annotations

import uuid

from service import services
from service.models import Message, Request
from tests.backoffice.staff import staff
from tests.concurrency import POSTGRES_ONLY, at_once
from tests.factories import UserFactory
from tests.messages import sms_texts

pytestmark = POSTGRES_ONLY

THREADS = 6


def test_one_form_sent_at_once_from_several_connections_files_one_request():
    customer = UserFactory()
    token = uuid.uuid4()
    results = at_once(
        lambda: (
            services.file_request(
                user=customer, kind="question", subject="Вопрос", text="Сколько стоит кВт·ч?", client_token=token
            ).pk
        ),
        THREADS,
    )
    assert Request.objects.count() == 1 and set(results) == {Request.objects.get().pk}


def test_one_answer_sent_at_once_is_stored_and_told_once():
    customer = UserFactory()
    request = services.file_request(user=customer, kind="question", subject="Вопрос", text="?")
    operator = staff("operator")
    token = uuid.uuid4()
    at_once(
        lambda: services.answer_request(request_id=request.pk, staff=operator, text="Ответ", client_token=token).pk,
        THREADS,
    )
    assert Message.objects.filter(request=request, from_staff=True).count() == 1
    assert len(sms_texts(customer.phone)) == 1
    request.refresh_from_db()
    assert request.status == "answered"
    assert list(request.status_changes.values_list("to_status", flat=True)) == ["new", "answered"]


def test_different_answers_at_once_are_all_kept_and_each_is_told():
    customer = UserFactory()
    request = services.file_request(user=customer, kind="question", subject="Вопрос", text="?")
    operator = staff("operator")
    at_once(lambda: services.answer_request(request_id=request.pk, staff=operator, text="Ответ").pk, THREADS)
    assert Message.objects.filter(request=request, from_staff=True).count() == THREADS
    assert len(sms_texts(customer.phone)) == THREADS
    assert request.status_changes.filter(to_status="answered").count() == 1
