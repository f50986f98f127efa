"""The same form arriving several times at once (double clicks, retries, two tabs) files one request
and sends one answer with one message to the customer.

Needs real row locks and unique checks across connections, so it runs on PostgreSQL only.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from service import services
from service.models import Message, Request
from tests.backoffice.staff import staff
from tests.factories import UserFactory
from tests.messages import sms_texts

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def run_in_threads(job, n=THREADS):
    start = threading.Barrier(n)
    errors: list[BaseException] = []
    results: list[object] = []
    lock = threading.Lock()

    def worker():
        try:
            start.wait(timeout=30)
            result = job()
            with lock:
                results.append(result)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not errors, errors
    return results


def test_one_form_sent_at_once_from_several_connections_files_one_request():
    customer = UserFactory()
    token = uuid.uuid4()
    results = run_in_threads(
        lambda: (
            services.file_request(
                user=customer, kind="question", subject="Вопрос", text="Сколько стоит кВт·ч?", client_token=token
            ).pk
        )
    )
    assert Request.objects.count() == 1 and set(results) == {Request.objects.get().pk}


def test_one_answer_sent_at_once_is_stored_and_told_once():
    customer = UserFactory()
    request = services.file_request(user=customer, kind="question", subject="Вопрос", text="?")
    operator = staff("operator")
    token = uuid.uuid4()
    run_in_threads(
        lambda: services.answer_request(request_id=request.pk, staff=operator, text="Ответ", client_token=token).pk
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
    run_in_threads(lambda: services.answer_request(request_id=request.pk, staff=operator, text="Ответ").pk)
    assert Message.objects.filter(request=request, from_staff=True).count() == THREADS
    assert len(sms_texts(customer.phone)) == THREADS
    assert request.status_changes.filter(to_status="answered").count() == 1
