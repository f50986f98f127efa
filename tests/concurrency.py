"""Running jobs at the same moment on separate connections, for the tests of locks and races."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest
from django.db import connection

# Tests of row locks across connections: PostgreSQL only (SQLite serialises every writer anyway).
POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run_in_threads(jobs: Sequence[Callable[[], object]], *, timeout: float = 120) -> None:
    """Run each job in its own thread (and so its own connection), all released at once; re-raise
    what any of them raised, and fail if one hangs."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def worker(job: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a job hung"
    assert not errors, errors
