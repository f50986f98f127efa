"""Settings of the real Celery worker the killed-worker test starts: the test suite's, with a broker
that needs no server (kombu's filesystem transport, a folder the test and the worker share)."""

import os

from abonent.settings_test import *  # noqa: F403

CELERY_BROKER_URL = "filesystem://"
CELERY_TASK_ALWAYS_EAGER = False
_queue = os.environ["ABONENT_TEST_QUEUE_DIR"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": _queue, "data_folder_out": _queue}
