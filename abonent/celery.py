"""The Celery application.

On the embedded default (no ``CELERY_BROKER_URL``) tasks run in-process, eagerly;
in production they go to workers over RabbitMQ or Redis (``make worker``).
"""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

app = Celery("abonent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Around every task on a worker, what Django does around every request: close the database
    connections older than CONN_MAX_AGE or broken by an error, keep the others (CELERY_DB_REUSE_MAX).

    Not for eager tasks (the embedded default): they run inside the caller's request and transaction.
    """
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
