"""Which readings are billed: a close writes nothing to the readings it bills, its bills cover them.

The rule (``billing.selectors``) is read three ways: as an ORM expression (pages, the back office),
as SQL (a submission's hot path) and by the close's loader from each account's latest bill. They
must agree on every history, and the loader's shortcut (only the last two periods' readings for a
meter billed last period) must bill exactly what the whole history bills.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import transaction
from django.db.models import Max, Min
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metering.services
from billing import engine
from billing.models import Bill, ChargeLine
from billing.selectors import as_shown, with_billed
from billing.services import close_accounts, load_facts, load_tariffs, start_close
from core.periods import Period
from metering.models import Reading
from metering.services import recent_rows, submit_readings
from tests.concurrency import POSTGRES_ONLY
from tests.factories import MeterFactory, add_submission, history, issue_bill

FIRST = Period(2026, 1)
PERIOD = FIRST + 9  # the period billed: October 2026


class Rollback(Exception):
    pass


submissions = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from([Reading.State.ACCEPTED, Reading.State.BILLED]), st.integers(1, 28)),
    min_size=1,
    max_size=10,
)
bills = st.lists(st.tuples(st.integers(0, 8), st.integers(0, 10)), max_size=4)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=st.sampled_from([1, 2, 3]), sent=submissions, issued=bills)
def test_the_pages_the_hot_path_and_the_close_agree_on_what_is_billed(norms_and_rates, scheme, sent, issued):
    try:
        with transaction.atomic():
            meter = MeterFactory(scheme=scheme, account__tariff_category=norms_and_rates)
            for month, state, day in sent:  # in the order they arrive: ids grow
                add_submission(meter, (FIRST + month).day(day), dict.fromkeys(meter.zones, 1000 + month), state=state)
            # The highest id of each submission: a close reads a submission's rows all or none (one transaction).
            ids = sorted(
                Reading.objects.filter(meter=meter)
                .values("submission")
                .annotate(last=Max("pk"))
                .values_list("last", flat=True)
            )
            # Bills in period order, each recording a highest reading id no lower than the one before.
            through = 0
            for month, cut in sorted(issued):
                if Bill.objects.filter(account=meter.account, period=FIRST + month).exists():
                    continue
                through = max(through, ([0, *ids])[min(cut, len(ids))])
                issue_bill(meter.account, FIRST + month, readings_through=through)

            pages = {r.submission: r.billed for r in with_billed(Reading.objects.filter(meter=meter))}
            rows = recent_rows(meter, FIRST.first_day, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            hot = {r.submission: r.state == Reading.State.BILLED or r.billed for r in rows}
            assert hot == pages
            first_ids = dict(
                Reading.objects.filter(meter=meter)
                .values("submission")
                .annotate(first=Min("pk"))
                .values_list("submission", "first")
            )
            complete = load_facts([meter.account_id], PERIOD, complete=True)[meter.account_id]
            loaded = {sub.order: sub.billed for sub in complete.submissions.get(meter.pk, [])}
            assert loaded == {first_ids[submission]: billed for submission, billed in pages.items()}

            tariffs = load_tariffs()
            recent = load_facts([meter.account_id], PERIOD)[meter.account_id]
            assert engine.bill_account(recent, PERIOD, tariffs) == engine.bill_account(complete, PERIOD, tariffs)
            raise Rollback
    except Rollback:
        pass


def test_a_close_leaves_its_readings_as_they_were_and_every_page_shows_them_billed(close, meter):
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    before = list(Reading.objects.order_by("pk").values())
    close("2026-11")
    assert list(Reading.objects.order_by("pk").values()) == before  # not a row written
    bill = Bill.objects.get(account=meter.account)
    assert bill.readings_through == max(r["id"] for r in before)
    assert {r.state for r in as_shown(Reading.objects.filter(meter=meter))} == {Reading.State.BILLED}


def test_a_reading_that_arrives_after_the_close_stays_accepted_and_goes_into_the_next_bill(close, meter):
    close("2026-11")  # no reading for November: the average
    late = add_submission(meter, dt.date(2026, 11, 24), {"total": 11_500}, state=Reading.State.ACCEPTED)
    [shown] = as_shown(Reading.objects.filter(submission=late))
    assert shown.state == Reading.State.ACCEPTED  # the November bill did not take it
    close("2026-12")
    [shown] = as_shown(Reading.objects.filter(submission=late))
    assert shown.state == Reading.State.BILLED
    lines = ChargeLine.objects.filter(entry__account=meter.account, entry__period=Period(2026, 12))
    assert 11_500 in {line.current_value for line in lines}  # November revised from the reading


def postgres_only(test):
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


@postgres_only
def test_a_reading_written_while_its_account_is_billed_is_in_that_bill(clock, norms_and_rates, monkeypatch):
    """The close's chunk waits for a submission in progress on its account (both lock the account's
    row), so the reading is in the bill: never covered by a bill that did not use it.

    The reading's id is drawn before another account's reading, committed first; without the wait the
    chunk would have read that higher id as its ``readings_through`` and skipped the reading.
    """
    mine = MeterFactory(account__number="6300000301", account__tariff_category=norms_and_rates)
    other = MeterFactory(account__number="6300000302", account__tariff_category=norms_and_rates)
    for meter in (mine, other):
        history(meter, {"total": 10_000})  # last 11 200 on 20.10.2026
    clock.set(dt.date(2026, 12, 2))
    run, _created = start_close(period=Period(2026, 11))

    inserted, release = threading.Event(), threading.Event()
    real_audit = metering.services.audit

    def audit_after_a_pause(action, **kwargs):  # inside the submission's transaction, after its insert
        if kwargs.get("obj") is not None and kwargs["obj"].pk == mine.pk:
            inserted.set()
            assert release.wait(30)
        return real_audit(action, **kwargs)

    monkeypatch.setattr(metering.services, "audit", audit_after_a_pause)
    november = dt.date(2026, 11, 25)
    errors: list[BaseException] = []

    def in_thread(job):
        def target():
            try:
                job()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                from django.db import connection

                connection.close()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    writer = in_thread(lambda: submit_readings(meter=mine, values=["11450"], channel="api", taken_on=november))
    assert inserted.wait(30)
    submit_readings(meter=other, values=["11400"], channel="api", taken_on=november)  # a higher id, committed
    closer = in_thread(lambda: close_accounts(run, mine.account_id, mine.account_id))
    time.sleep(0.5)  # the chunk is waiting for the account's lock now
    release.set()
    writer.join(30)
    closer.join(30)
    assert not errors, errors

    reading = Reading.objects.get(meter=mine, value=11_450)
    bill = Bill.objects.get(account=mine.account, period=Period(2026, 11))
    assert bill.readings_through >= reading.pk
    line = ChargeLine.objects.get(entry__account=mine.account, entry__period=Period(2026, 11))
    assert (line.basis, line.current_value, line.volume) == ("actual", 11_450, 250)
