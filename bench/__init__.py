"""Benchmarks of abonent: ``make bench`` (every group) or ``make bench BENCH=readings`` (one group).

Each group is one module of this package with a ``run(ctx) -> list[Figure]`` function, registered
in :data:`GROUPS`; adding a group (billing, bills, sms, ...) is one module and one line there.
Figures go to stdout, one per line, as ``name: value unit``; progress and diagnostics go to
stderr. After the figures a ``# targets: ...`` comment line states what they are judged against
and a ``# missed: ...`` line lists the targets that were not met.

Every run creates a fresh PostgreSQL database (``abonent_bench`` by default, dropped and created
again through the ``postgres`` database, then ``manage.py migrate``) and seeds synthetic accounts
with ``core.demo.seed_synthetic``. Environment: ``BENCH_PG_URL`` (server, default
``postgres://postgres@127.0.0.1:5432/postgres``), ``BENCH_DB`` (database name). Options:
``python -m bench --help``.

gunicorn runs sync workers by default (``--workers 3 --worker-threads 1``): on this 2-core
machine, shared with PostgreSQL and wrk, they beat gthread. Measured 2026-12-01 (CPU per accepted
submission: gunicorn + PostgreSQL + wrk; 10 s runs, twice each): sync x3 4.53-4.55 ms, 423 req/s,
p99 48-52 ms; sync x2 4.20-4.25 ms, 430 req/s, p99 67-95 ms; gthread 2x2 4.49-4.56 ms, 413-417 req/s,
p99 58-81 ms; gthread 3x2 4.77-4.78 ms, 406-411 req/s, p99 101-109 ms (keep-alive saves the
reconnections, the GIL and the threads' queueing cost more). The server runs with persistent
connections and prepared statements (``DB_PREPARED_STATEMENTS=1``, the production setting;
``--no-prepared-statements`` without). wrk: 2 threads, 16 connections, 3 s warm-up, 12 s measured.
``--profile`` adds a cProfile of 300 in-process submissions on stderr.

Group ``backoffice`` (``bench/backoffice.py``): the back-office search per kind of key, the customer
card, and checking a 12-megapixel photo attached to a request.

Group ``readings``:

* ``readings_http_rps`` / ``readings_http_p99_ms`` -- accepted portal submissions per second
  through gunicorn (``DJANGO_DEBUG=0``, settings ``bench.settings``) on a free 127.0.0.1 port,
  driven by wrk with ``bench/readings.lua``: POST ``/a/<account>/meters/<id>/readings/`` with
  ``action=submit`` as one logged-in user linked to many single-rate meters, values strictly
  increasing per meter. The rate is the number of readings the database gained during the run
  divided by the run's duration, not wrk's request count. Targets: >= 500 req/s, p99 < 50 ms.
* ``readings_submit_queries`` / ``readings_correction_queries`` -- SQL statements of one
  submission (first of the day; a same-day correction, which also marks the earlier one replaced),
  counted in-process; the query log itself goes to stderr.
* ``bare_view_rps`` / ``bare_view_p99_ms`` -- the same gunicorn configuration serving
  ``/bench/bare`` (``bench/urls.py``: three trivial ORM queries, no templates), the ceiling
  the stack allows on this machine.
* ``readings_bulk_rows_per_s`` / ``readings_bulk_rejected`` -- ``metering.services.import_readings``
  in-process on PostgreSQL, wall time of the call only. Target: >= 20,000 rows/s, 0 rejected.

Group ``api``:

* ``api_readings_rps`` / ``api_readings_p99_ms`` -- the same load through the REST API: wrk with
  ``bench/api.lua`` POSTs JSON to ``/api/v1/accounts/<account>/meters/<id>/readings/`` with a
  personal write token (``Authorization: Bearer``) and a fresh ``Idempotency-Key`` per request;
  counted as readings the database gained with source ``api``. Same targets as the portal's.
* ``api_submit_queries`` -- SQL statements of one API submission in-process, token, windows and
  prices cached (the steady state); the query log goes to stderr.
"""

from __future__ import annotations

# Group name -> module (imported only when the group runs). Order is the order of ``all``.
GROUPS: dict[str, str] = {
    "readings": "bench.readings",
    "billing": "bench.billing",
    "bills": "bench.bills",
    "sms": "bench.sms",
    "notifications": "bench.notifications",
    "backoffice": "bench.backoffice",
    "api": "bench.api",
}
