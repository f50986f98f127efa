"""The submission's plain-SQL reads give exactly what the ORM's querysets give (on SQLite and PostgreSQL)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from core.periods import Period
from customers.models import Account
from metering.models import Meter, Reading
from metering.selectors import meter_for_user
from metering.services import context_rows, lock_meter, recent_rows
from tests.factories import AccountFactory, MeterFactory, UserFactory, add_submission, history, issue_bill, link


def fields_of(instance, model):
    return {field.attname: getattr(instance, field.attname) for field in model._meta.concrete_fields}


@pytest.mark.parametrize(
    "meter_kwargs",
    [
        {},
        {"scheme": 3, "digits": 8, "transformer_ratio": 40, "next_verification_on": None},
        {"account__connection_kw": Decimal("7.50"), "removed_on": dt.date(2026, 10, 1), "status": "removed"},
    ],
)
def test_the_locked_meter_and_its_account_are_the_orms(db, meter_kwargs):
    meter = MeterFactory(**meter_kwargs)
    with transaction.atomic():
        locked = lock_meter(meter.pk)
    orm = Meter.objects.select_related("account").get(pk=meter.pk)
    assert fields_of(locked, Meter) == fields_of(orm, Meter)
    assert fields_of(locked.account, Account) == fields_of(orm.account, Account)
    assert locked.account.capacity_kw == orm.account.capacity_kw
    assert not locked._state.adding and locked._state.db == orm._state.db


def test_a_missing_meter_cannot_be_locked(db):
    with pytest.raises(Meter.DoesNotExist), transaction.atomic():
        lock_meter(10**9)


states = st.sampled_from([s.value for s in Reading.State])


@settings_hypothesis(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scheme=st.sampled_from([1, 2, 3]),
    rows=st.lists(st.tuples(st.integers(0, 500), states, st.booleans()), max_size=8),
    since_days=st.integers(0, 500),
    bill=st.none() | st.tuples(st.integers(0, 20), st.integers(0, 12)),
    asked=st.booleans(),
)
def test_recent_rows_are_the_querysets_context_rows(db, scheme, rows, since_days, bill, asked):
    """Also whether a bill took each reading sent since ``today_from`` (all of them when asked, none otherwise)."""
    meter = MeterFactory(scheme=scheme)
    user = UserFactory()
    today = dt.date(2026, 11, 20)
    for back, state, by_user in rows:
        add_submission(
            meter,
            today - dt.timedelta(days=back),
            dict.fromkeys(meter.zones, 1000 - back),
            state=state,
            entered_by=user if by_user else None,
        )
    if bill is not None:
        months_back, readings = bill
        ids = sorted(Reading.objects.filter(meter=meter).values_list("pk", flat=True))
        issue_bill(meter.account, Period.of(today) - months_back, readings_through=([0, *ids])[min(readings, len(ids))])
    since = today - dt.timedelta(days=since_days)
    sent_from = timezone.now() + dt.timedelta(hours=-1 if asked else 1)
    plain = recent_rows(meter, since, sent_from)
    orm = context_rows(
        Reading.objects.filter(meter=meter, state__in=Reading.COUNTED, taken_on__gte=since), today_from=sent_from
    )
    assert plain == orm
    assert all((row.billed is None) is not asked for row in plain)
    assert [row._asdict() for row in plain] == [row._asdict() for row in orm]  # same names, same types
    assert all(type(a.submission) is type(b.submission) for a, b in zip(plain, orm, strict=True))
    assert all(a.submitted_at.tzinfo is not None for a in plain)


def test_a_meter_is_found_for_its_linked_user_only(db):
    meter = MeterFactory(account__number="6300000777")
    history(meter, {"total": 1_000})
    owner, stranger = UserFactory(), UserFactory(phone="+79160000009")
    link(owner, meter.account)
    link(stranger, AccountFactory(number="6300000778"))
    found = meter_for_user(owner, "6300000777", meter.pk)
    assert fields_of(found, Meter) == fields_of(meter, Meter)
    assert found.account.number == "6300000777"
    with pytest.raises(Http404):
        meter_for_user(stranger, "6300000777", meter.pk)  # not linked
    with pytest.raises(Http404):
        meter_for_user(stranger, "6300000778", meter.pk)  # own account, someone else's meter
    with pytest.raises(Http404):
        meter_for_user(owner, "6300000777", meter.pk + 1000)  # no such meter


@pytest.mark.parametrize("scheme", [1, 2, 3])
def test_inserted_readings_are_stored_as_bulk_create_stores_them(db, scheme):
    import uuid

    from django.utils import timezone

    from core import sql
    from core.periods import Period

    meter = MeterFactory(scheme=scheme)
    user = UserFactory()

    def readings(submission):
        return [
            Reading(
                meter=meter, zone=zone, value=100 + n, taken_on=dt.date(2026, 11, 20), period=Period(2026, 11),
                source=Reading.Source.PORTAL, state=Reading.State.ACCEPTED, submission=submission, entered_by=user,
                rollover=n == 1, unchanged=False, implausible_confirmed=n == 2,
            )
            for n, zone in enumerate(meter.zones)
        ]  # fmt: skip

    before = timezone.now()
    plain = readings(uuid.uuid4())
    sql.insert(plain)
    orm = Reading.objects.bulk_create(readings(uuid.uuid4()))
    assert all(r.pk is not None and not r._state.adding for r in plain)
    stored_plain = [Reading.objects.get(pk=r.pk) for r in plain]
    stored_orm = [Reading.objects.get(pk=r.pk) for r in orm]
    skip = {"id", "submission", "submitted_at"}
    for a, b in zip(stored_plain, stored_orm, strict=True):
        assert {k: v for k, v in fields_of(a, Reading).items() if k not in skip} == {
            k: v for k, v in fields_of(b, Reading).items() if k not in skip
        }
        assert before <= a.submitted_at <= timezone.now()  # auto_now_add, as bulk_create
    assert [r.submission for r in stored_plain] == [plain[0].submission] * len(plain)
    assert [r.submitted_at for r in plain] == [r.submitted_at for r in stored_plain]
