"""submit_readings, correct_readings and import_readings: how a reading enters, whatever the channel."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from core.errors import DomainError
from core.models import AuditEntry
from core.periods import Period
from metering.models import Reading, SubmissionWindow
from metering.services import ImportRow, correct_readings, import_readings, submit_readings
from tests.conftest import TODAY, Clock
from tests.factories import MeterFactory, UserFactory, add_submission, history, issue_bill

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today(today):
    return today


def counted(meter):
    return list(Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("taken_on", "id"))


def last_value(meter, zone="total"):
    return [r.value for r in counted(meter) if r.zone == zone][-1]


def refusal(**kwargs):
    kwargs.setdefault("channel", Reading.Source.PORTAL)
    with pytest.raises(DomainError) as error:
        submit_readings(**kwargs)
    return error.value


@pytest.fixture
def two_zone(customer):
    meter = MeterFactory(scheme=2)
    history(meter, {"day": 5_000, "night": 2_000})  # +100 a month each, last 5 600 / 2 600
    return meter


# --- Accepted -----------------------------------------------------------------------------------


def test_accepted_for_the_open_period_one_row_per_zone_under_one_submission(two_zone, customer):
    result = submit_readings(
        meter=two_zone, values={"day": "5 700", "night": "2650"}, channel=Reading.Source.PORTAL, actor=customer
    )

    rows = list(Reading.objects.filter(submission=result.id).order_by("zone"))
    assert [(r.zone, r.value) for r in rows] == [("day", 5_700), ("night", 2_650)]
    assert {(r.state, r.source, r.entered_by_id, r.period, r.taken_on) for r in rows} == {
        ("accepted", "portal", customer.pk, Period(2026, 11), TODAY)
    }
    assert result.period == Period(2026, 11)
    assert result.preview.evaluation.volumes == {"day": 100, "night": 50}
    assert str(result.preview.total_cost) == "875.00"  # 100 x 7.00 + 50 x 3.50


def test_an_audit_entry_records_who_sent_what_for_which_period(meter, customer):
    result = submit_readings(meter=meter, values=["11350"], channel=Reading.Source.SMS, actor=customer)

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.channel, entry.account) == (
        "reading.submitted", customer, "sms", meter.account,
    )  # fmt: skip
    assert entry.changes["submission"] == str(result.id)
    assert entry.changes["period"] == "2026-11"
    assert entry.changes["values"] == {"total": 11_350}


def test_a_rollover_is_accepted_flagged_and_counted_around_the_dial(customer):
    meter = MeterFactory()
    add_submission(meter, dt.date(2026, 10, 20), {"total": 999_950})
    result = submit_readings(meter=meter, values=["000030"], channel="portal", actor=customer)
    assert result.preview.evaluation.volume == 80
    assert Reading.objects.get(submission=result.id).rollover


def test_unchanged_resends_the_last_values_with_zero_volume(two_zone, customer):
    result = submit_readings(meter=two_zone, unchanged=True, channel="portal", actor=customer)
    assert {r.zone: (r.value, r.unchanged) for r in result.readings} == {
        "day": (5_600, True), "night": (2_600, True),
    }  # fmt: skip
    assert result.preview.evaluation.volume == 0
    assert result.preview.total_cost == 0


def test_unchanged_needs_something_to_repeat(customer):
    assert refusal(meter=MeterFactory(), unchanged=True, actor=customer).code == "reading_no_previous"


# --- Implausible volumes ---------------------------------------------------------------------------


def test_implausible_volume_is_stored_only_after_confirmation(meter, customer):
    error = refusal(meter=meter, values=["14000"], actor=customer)  # 2 800 kWh against 200 a month
    assert error.code == "reading_implausible"
    assert error.params == {"needs_confirmation": True, "volume": 2_800}
    assert "намного больше обычного" in error.message
    assert not Reading.objects.filter(state=Reading.State.ACCEPTED).exists()
    assert not AuditEntry.objects.exists()

    result = submit_readings(meter=meter, values=["14000"], channel="portal", actor=customer, confirm_implausible=True)
    assert Reading.objects.get(submission=result.id).implausible_confirmed
    assert AuditEntry.objects.get().changes["implausible_confirmed"] is True


# --- Corrections -----------------------------------------------------------------------------------


def test_same_day_correction_replaces_own_submission_even_with_a_lower_value(meter, customer):
    first = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    second = submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)

    assert second.replaced
    assert set(Reading.objects.filter(submission=first.id).values_list("state", flat=True)) == {"replaced"}
    assert last_value(meter) == 11_300
    assert second.preview.evaluation.volume == 100  # against 11 200, not against the replaced 11 500
    corrected = AuditEntry.objects.get(action="reading.corrected")
    assert corrected.changes["replaced"] == {"total": 11_500}


def test_a_submission_a_bill_took_is_not_corrected_even_the_same_day(meter, customer):
    first = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    highest = Reading.objects.filter(submission=first.id).get().pk
    issue_bill(meter.account, first.period, readings_through=highest)  # a close took it

    second = submit_readings(meter=meter, values=["11600"], channel="portal", actor=customer)

    assert not second.replaced
    assert Reading.objects.get(submission=first.id).state == Reading.State.ACCEPTED  # kept, and billed
    assert second.preview.evaluation.volume == 100  # against the billed 11 500


def test_same_day_correction_is_never_below_the_reading_before_it(meter, customer):
    submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    error = refusal(meter=meter, values=["11100"], actor=customer)
    assert error.code == "reading_lower_than_previous"
    assert error.params["previous"] == 11_200
    assert last_value(meter) == 11_500


def test_next_day_a_value_lower_than_the_last_is_refused(meter, customer, clock):
    submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    clock.set(TODAY + dt.timedelta(days=1))
    assert refusal(meter=meter, values=["11300"], actor=customer).code == "reading_lower_than_previous"
    assert last_value(meter) == 11_500


def test_another_users_submission_of_the_same_day_is_not_replaced(meter, customer):
    first = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    relative = UserFactory()

    assert refusal(meter=meter, values=["11300"], actor=relative).code == "reading_lower_than_previous"
    later = submit_readings(meter=meter, values=["11600"], channel="portal", actor=relative)
    assert not later.replaced
    assert set(Reading.objects.filter(submission=first.id).values_list("state", flat=True)) == {"accepted"}


def test_an_anonymous_channel_never_replaces(meter):
    submit_readings(meter=meter, values=["11500"], channel=Reading.Source.PUBLIC_FORM)
    assert refusal(meter=meter, values=["11300"], channel=Reading.Source.PUBLIC_FORM).code == (
        "reading_lower_than_previous"
    )


def test_staff_correction_needs_staff_and_a_reason(meter, customer):
    result = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    with pytest.raises(DomainError) as error:
        correct_readings(meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=customer, reason="ошибся")
    assert error.value.code == "forbidden"
    staff = UserFactory(is_staff=True)
    with pytest.raises(DomainError) as error:
        correct_readings(meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=staff, reason="  ")
    assert error.value.code == "reason_required"
    assert last_value(meter) == 11_500


def test_staff_correction_replaces_the_submission_keeps_its_period_and_is_audited(meter, customer, clock):
    result = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    staff = UserFactory(is_staff=True)
    clock.set(TODAY + dt.timedelta(days=10))  # after the window, after the day

    fixed = correct_readings(
        meter_id=meter.pk, submission_id=result.id, values=["11400"], actor=staff, reason="звонок абонента"
    )

    row = Reading.objects.get(submission=fixed.id)
    assert (row.value, row.source, row.period, row.taken_on, row.entered_by) == (
        11_400, "staff", Period(2026, 11), TODAY, staff,
    )  # fmt: skip
    old = Reading.objects.get(submission=result.id)
    assert (old.state, old.rejection_reason) == ("replaced", "звонок абонента")
    entry = AuditEntry.objects.get(action="reading.corrected_by_staff")
    assert (entry.actor, entry.reason) == (staff, "звонок абонента")
    assert (entry.changes["before"], entry.changes["after"]) == ({"total": 11_500}, {"total": 11_400})


def test_staff_correction_finds_the_submission_only_on_its_own_meter(meter, customer):
    other = MeterFactory(account__number="6300000199")
    history(other, {"total": 10_000})
    result = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    with pytest.raises(DomainError) as error:
        correct_readings(
            meter_id=other.pk, submission_id=result.id, values=["11400"], actor=UserFactory(is_staff=True), reason="x"
        )
    assert error.value.code == "submission_not_found"
    assert Reading.objects.get(submission=result.id).state == "accepted"
    assert not AuditEntry.objects.filter(action="reading.corrected_by_staff").exists()


def test_staff_correct_only_the_latest_submission(meter, customer, clock):
    first = submit_readings(meter=meter, values=["11500"], channel="portal", actor=customer)
    clock.set(TODAY + dt.timedelta(days=1))
    submit_readings(meter=meter, values=["11600"], channel="portal", actor=customer)
    with pytest.raises(DomainError) as error:
        correct_readings(
            meter_id=meter.pk, submission_id=first.id, values=["11400"], actor=UserFactory(is_staff=True), reason="x"
        )
    assert error.value.code == "not_latest"


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"next_verification_on": TODAY - dt.timedelta(days=1)}, "meter_verification_expired"),
        ({"status": "removed", "removed_on": TODAY}, "meter_removed"),
    ],
)
def test_meter_that_cannot_take_readings(meter, customer, change, code):
    for name, value in change.items():
        setattr(meter, name, value)
    meter.save()
    assert refusal(meter=meter, values=["11300"], actor=customer).code == code
    assert not Reading.objects.filter(state="accepted").exists()


def test_verification_due_today_is_still_valid(meter, customer):
    meter.next_verification_on = TODAY
    meter.save()
    submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)


def test_closed_account_is_refused(meter, customer):
    meter.account.status = "closed"
    meter.account.save()
    error = refusal(meter=meter, values=["11300"], actor=customer)
    assert (error.code, error.message) == ("account_closed", "Лицевой счёт 6300000101 закрыт.")


def test_all_zones_must_come_together(two_zone, customer):
    error = refusal(meter=two_zone, values=["5700"], actor=customer)
    assert (error.code, error.params) == ("reading_zone_count", {"expected": 2, "got": 1})


def test_a_future_date_is_refused(meter, customer):
    error = refusal(meter=meter, values=["11300"], actor=customer, taken_on=TODAY + dt.timedelta(days=1))
    assert error.code == "reading_date_in_future"


# --- Periods ----------------------------------------------------------------------------------------


def test_after_the_window_closes_a_reading_counts_for_next_period_with_a_notice(meter, customer, clock):
    clock.set(dt.date(2026, 11, 26))
    result = submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert Reading.objects.get(submission=result.id).period == Period(2026, 12)
    assert result.preview.evaluation.notices == [
        "Приём показаний за прошлый период закрыт: эти показания будут учтены за декабрь 2026."
    ]


def test_the_company_window_in_force_on_the_day_applies(meter, customer):
    SubmissionWindow.objects.create(valid_from=dt.date(2020, 1, 1), opens_day=15, closes_day=25)
    SubmissionWindow.objects.create(valid_from=dt.date(2026, 11, 1), opens_day=5, closes_day=18)
    result = submit_readings(meter=meter, values=["11300"], channel="portal", actor=customer)
    assert result.period == Period(2026, 12)


def test_a_reading_taken_earlier_counts_for_the_period_of_its_date(meter, customer):
    result = submit_readings(
        meter=meter, values=["11300"], channel="inspector", actor=customer, taken_on=dt.date(2026, 10, 31)
    )
    assert result.period == Period(2026, 11)  # taken after October's window closed


# --- Import --------------------------------------------------------------------------------------


def test_import_stores_good_rows_reports_bad_rows_and_does_not_stop(meter, two_zone):
    number, serial = meter.account.number, meter.serial
    rows = [
        ImportRow(2, number, serial, ["11300"], TODAY - dt.timedelta(days=3)),
        ImportRow(3, number, "NO-SUCH", ["1"], TODAY),
        ImportRow(4, two_zone.account.number, two_zone.serial, ["5700"], TODAY),
        ImportRow(5, two_zone.account.number, two_zone.serial, ["5700,5", "2650"], TODAY),
        ImportRow(6, two_zone.account.number, two_zone.serial, ["5700", "2650"], TODAY),
        ImportRow(7, number, serial, ["99999"], TODAY),
    ]
    report = import_readings(rows, channel=Reading.Source.INSPECTOR)

    assert report.accepted == 2
    assert [(line, code) for line, code, _ in report.rejected] == [
        (3, "meter_not_found"),
        (4, "reading_zone_count"),
        (5, "reading_fraction"),
        (7, "reading_implausible"),
    ]
    assert "NO-SUCH" in report.rejected[0][2]
    assert last_value(meter) == 11_300
    assert (last_value(two_zone, "day"), last_value(two_zone, "night")) == (5_700, 2_650)
    stored = Reading.objects.filter(source="inspector")
    assert {r.state for r in stored} == {"accepted"} and {r.period for r in stored} == {Period(2026, 11)}
    assert AuditEntry.objects.get(action="reading.imported").changes == {"rows": 6, "accepted": 2, "rejected_total": 4}


def test_import_judges_a_later_row_against_an_earlier_row_of_the_same_batch(meter):
    number, serial = meter.account.number, meter.serial
    rows = [
        ImportRow(1, number, serial, ["11500"], TODAY - dt.timedelta(days=5)),
        ImportRow(2, number, serial, ["11400"], TODAY - dt.timedelta(days=2)),  # above 11 200 but below row 1
        ImportRow(3, number, serial, ["11450"], TODAY - dt.timedelta(days=6)),  # dated before row 1
        ImportRow(4, number, serial, ["11600"], TODAY),
    ]
    report = import_readings(rows, channel=Reading.Source.IMPORT)
    assert [(line, code) for line, code, _ in report.rejected] == [
        (2, "reading_lower_than_previous"),
        (3, "reading_date_before_last"),
    ]
    assert [r.value for r in counted(meter)][-2:] == [11_500, 11_600]


def test_import_confirmed_implausible_row_is_stored(meter):
    row = ImportRow(1, meter.account.number, meter.serial, ["99999"], TODAY, confirm_implausible=True)
    assert import_readings([row], channel=Reading.Source.IMPORT).accepted == 1
    assert last_value(meter) == 99_999


# --- Whatever is sent, counted readings only go up (or roll over) -----------------------------------------


class Submissions(RuleBasedStateMachine):
    """Customers (two users and an anonymous channel) send readings over days; some are typos or corrections."""

    def __init__(self):
        super().__init__()
        self.clock = Clock()
        self.day = self.clock.set(TODAY)
        self.meter = MeterFactory(digits=4)  # small display: rollovers happen
        add_submission(self.meter, TODAY - dt.timedelta(days=30), {"total": 9_000})
        self.users = [UserFactory(), UserFactory(), None]
        self.last = 9_000

    def teardown(self):
        self.clock.stop()

    @rule(who=st.integers(0, 2), step=st.integers(-400, 700), confirm=st.booleans())
    def submit(self, who, step, confirm):
        value = (self.last + step) % 10_000
        before = [(r.pk, r.value) for r in counted(self.meter)]
        try:
            result = submit_readings(
                meter=self.meter,
                values=[str(value)],
                channel=Reading.Source.API,
                actor=self.users[who],
                confirm_implausible=confirm,
            )
        except DomainError as error:
            assert error.code in {"reading_lower_than_previous", "reading_implausible"}
            assert error.code != "reading_implausible" or not confirm
            assert [(r.pk, r.value) for r in counted(self.meter)] == before  # nothing changed
        else:
            assert result.readings[0].value == value
            self.last = value
        assert last_value(self.meter) == self.last

    @precondition(lambda self: self.day < TODAY + dt.timedelta(days=200))
    @rule(days=st.integers(1, 40))
    def next_day(self, days):
        self.day = self.clock.set(self.day + dt.timedelta(days=days))

    @invariant()
    def counted_readings_never_decrease_except_flagged_rollovers(self):
        for before, after in itertools.pairwise(counted(self.meter)):
            assert after.taken_on >= before.taken_on
            assert after.value >= before.value or after.rollover, (before.value, after.value)
            assert not after.rollover or after.value < before.value


def test_counted_readings_never_decrease_except_flagged_rollovers(db):
    run_state_machine_as_test(
        Submissions,
        settings=settings(
            max_examples=30,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
