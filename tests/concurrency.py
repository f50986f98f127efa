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


def run_in_threads(jobs: Sequence[Callable[[], object]], *, timeout: float = 120) -> list[object]:
    """Run each job in its own thread (and so its own connection), all released at once; fail with
    what any of them raised, or if one hangs. Returns the jobs' results, in the order of ``jobs``."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            results[index] = job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a job hung"
    assert not errors, errors
    return results


def at_once(job: Callable[[], object], copies: int, *, timeout: float = 120) -> list[object]:
    """The same job ``copies`` times at once (double clicks, retried deliveries); their results."""
    return run_in_threads([job] * copies, timeout=timeout)
