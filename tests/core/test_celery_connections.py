"""Database connections around Celery tasks (abonent/celery.py): reused on workers, never touched by
eager tasks, which run inside the caller's transaction on the embedded default."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from abonent.celery import app, close_old_connections
from customers.models import Customer
from tests.factories import CustomerFactory


@app.task(name="tests.count_customers")
def count_customers() -> int:
    return Customer.objects.count()


def worker_task() -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=False))


@pytest.mark.django_db(transaction=True)
def test_an_eager_task_inside_a_transaction_keeps_it():
    with transaction.atomic():
        CustomerFactory()
        assert count_customers.delay().result == 1  # eager: prerun and postrun fired around it
        CustomerFactory()  # the same connection and transaction go on
    assert Customer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_a_fresh_connection_and_closes_an_old_one():
    Customer.objects.count()
    held = connection.connection
    connection.close_at = time.monotonic() + 60  # younger than CONN_MAX_AGE
    close_old_connections(task=worker_task())
    assert connection.connection is held
    connection.close_at = time.monotonic() - 1  # older than CONN_MAX_AGE
    close_old_connections(task=worker_task())
    assert connection.connection is None
    assert Customer.objects.count() == 0  # a new one is opened on demand
