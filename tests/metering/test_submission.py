"""submit_readings: the one way a reading enters, whatever the channel."""

import contextlib
import datetime as dt
import itertools
from unittest import mock

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.models import AuditEntry
from core.periods import Period
from metering.models import Reading, SubmissionWindow
from metering.services import ImportRow, correct_readings, import_readings, preview_readings, submit_readings
from tests.factories import MeterFactory, UserFactory, history

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


_real_localdate = timezone.localdate


@contextlib.contextmanager
def on_day(day):
    """Make it noon of ``day`` in the company's zone, for "today" and for stored times alike."""
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    with (
        mock.patch("django.utils.timezone.now", return_value=noon),
        mock.patch(
            "django.utils.timezone.localdate",
            side_effect=lambda value=None, **kw: day if value is None else _real_localdate(value),
        ),
    ):
        yield


@pytest.fixture(autouse=True)
def today():
    with on_day(TODAY):
        yield TODAY


@pytest.fixture
def meter():
    m = MeterFactory()
    history(m, {"total": 10_000})  # ends at 11 200 on 20.10.2026, 200 kWh a month
    return m


@pytest.fixture
def customer():
    return UserFactory()


def counted(meter):
    return list(Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("taken_on", "id"))


def test_accepted_reading_is_stored_for_the_current_period_with_who_and_how(meter, customer):
    result = submit_readings(meter=meter, values=["11 350"], channel=Reading.Source.PORTAL, actor=customer)

    row = Reading.objects.get(submission=result.id)
    assert (row.value, row.state, row.source, row.entered_by) == (11_350, "accepted", "portal", customer)
    assert row.period == Period(2026, 11)
    assert result.preview.evaluation.volume == 150
    assert str(result.preview.total_cost) == "900.00"  # 150 kWh x 6.00
    entry = AuditEntry.objects.get(action="reading.submitted")
    assert entry.account == meter.account and entry.changes["values"] == {"total": 11_350}


def test_preview_stores_nothing(meter, customer):
    preview = preview_readings(meter=meter, values=["11300"], actor=customer)
    assert preview.evaluation.volume == 100
    assert Reading.objects.filter(state=Reading.State.ACCEPTED).count() == 0


def test_implausible_volume_is_stored_only_after_confirmation(meter, customer):
    with pytest.raises(DomainError) as error:
        submit_readings(meter=meter, values=["112000"], channel="portal", actor=customer)
    assert error.value.code == "reading_implausible"
    assert error.value.params["needs_confirmation"] is True
    assert not Reading.objects.filter(state=Reading.State.ACCEPTED).exists()

    result = submit_readings(meter=meter, values=["14000"], channel="portal", actor=customer, confirm_implausible=True)
    assert result.readings[0].implausible_confirmed


def test_unchanged_resends_the_last_values_with_zero_volume(meter, customer):
    result = submit_readings(meter=meter, unchanged=True, channel="portal", actor=customer)
    assert result.readings[0].value == 11_200 and result.readings[0].unchanged
    assert result.preview.evaluation.volume == 0


def test_same_day_resubmission_replaces_own_reading_even_lower(meter, customer):
    first = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    second = submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)

    assert second.replaced
    assert Reading.objects.get(submission=first.id).state == Reading.State.REPLACED
    assert [r.value for r in counted(meter)][-1] == 11_300
    assert AuditEntry.objects.filter(action="reading.corrected").count() == 1
    with pytest.raises(DomainError) as error:  # but never below the reading before it
        submit_readings(meter=meter, values=["11100"], channel="portal", actor=customer)
    assert error.value.code == "reading_lower_than_previous"


def test_next_day_a_lower_reading_is_refused(meter, customer, today):
    submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    with on_day(today + dt.timedelta(days=1)):
        with pytest.raises(DomainError) as error:
            submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert error.value.code == "reading_lower_than_previous"


def test_another_users_submission_is_not_replaced(meter, customer):
    submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    with pytest.raises(DomainError):
        submit_readings(meter=meter, values=["11300"], channel="portal", actor=UserFactory())
    assert [r.value for r in counted(meter)][-1] == 11_500


def test_staff_correction_needs_staff_and_a_reason(meter, customer):
    result = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    with pytest.raises(DomainError) as error:
        correct_readings(meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=customer, reason="ошибка")
    assert error.value.code == "forbidden"
    staff = UserFactory(is_staff=True)
    with pytest.raises(DomainError) as error:
        correct_readings(meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=staff, reason=" ")
    assert error.value.code == "reason_required"

    correct_readings(
        meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=staff, reason="звонок абонента"
    )
    assert [r.value for r in counted(meter)][-1] == 11_400
    assert AuditEntry.objects.get(action="reading.corrected_by_staff").reason == "звонок абонента"


def test_expired_verification_removed_meter_and_closed_account_are_refused(meter, customer, today):
    meter.next_verification_on = today - dt.timedelta(days=1)
    meter.save()
    with pytest.raises(DomainError) as error:
        submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert error.value.code == "meter_verification_expired"
    meter.next_verification_on = None
    meter.status = "removed"
    meter.save()
    with pytest.raises(DomainError) as error:
        submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert error.value.code == "meter_removed"
    meter.status = "active"
    meter.save()
    meter.account.status = "closed"
    meter.account.save()
    with pytest.raises(DomainError) as error:
        submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert error.value.code == "account_closed"


def test_three_zone_meter_needs_all_three_values(customer):
    meter = MeterFactory(scheme=3)
    history(meter, {"peak": 1000, "semipeak": 2000, "night": 3000}, monthly=300)
    with pytest.raises(DomainError) as error:
        submit_readings(meter=meter, values=["1700", "2700"], channel="sms", actor=customer)
    assert error.value.code == "reading_zone_count"
    result = submit_readings(meter=meter, values={"peak": "1700", "semipeak": "2700", "night": "3700"}, channel="sms")
    assert {r.zone: r.value for r in result.readings} == {"peak": 1700, "semipeak": 2700, "night": 3700}
    assert result.preview.evaluation.volumes == {"peak": 100, "semipeak": 100, "night": 100}
    assert str(result.preview.total_cost) == "1750.00"  # 100 x (8.00 + 6.00 + 3.50)


def test_after_the_window_closes_the_reading_counts_for_next_period(meter, customer):
    SubmissionWindow.objects.create(valid_from=dt.date(2020, 1, 1), opens_day=5, closes_day=18)
    result = submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert result.period == Period(2026, 12)
    assert any("декабрь 2026" in n for n in result.preview.evaluation.notices)


def test_import_reports_bad_rows_and_judges_later_rows_against_earlier_ones(meter):
    rows = [
        ImportRow(1, meter.account.number, meter.serial, ["11300"], TODAY - dt.timedelta(days=2)),
        ImportRow(2, meter.account.number, meter.serial, ["11250"], TODAY - dt.timedelta(days=1)),
        ImportRow(3, meter.account.number, "nope", ["1"], TODAY),
        ImportRow(4, meter.account.number, meter.serial, ["11400"], TODAY),
    ]
    report = import_readings(rows, channel="inspector")
    assert report.accepted == 2
    assert [(line, code) for line, code, _ in report.rejected] == [
        (2, "reading_lower_than_previous"),
        (3, "meter_not_found"),
    ]
    assert [r.value for r in counted(meter)][-2:] == [11_300, 11_400]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-300, 600), min_size=1, max_size=8))
def test_counted_readings_never_decrease_except_flagged_rollovers(meter, steps):
    user = UserFactory()
    value = 11_200
    for step in steps:
        value = max(value + step, 0)
        try:
            submit_readings(meter=meter, values=[str(value)], channel="api", actor=user, confirm_implausible=True)
        except DomainError as error:
            assert error.code == "reading_lower_than_previous"
    rows = counted(meter)
    for before, after in itertools.pairwise(rows):
        assert after.value >= before.value or after.rollover
    Reading.objects.filter(meter=meter, taken_on=TODAY).delete()
