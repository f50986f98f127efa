"""The Celery application.

On the embedded default (no ``CELERY_BROKER_URL``) tasks run in-process, eagerly;
in production they go to workers over RabbitMQ or Redis (``make worker``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

app = Celery("abonent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
