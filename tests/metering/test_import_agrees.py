"""The bulk path (import_readings) judges every row exactly as submit_readings would, row by row.

Two copies of the same meters (same serials, histories, accounts' state; different account
numbers) get the same rows: one copy through ``import_readings`` (small batches and chunks, so that
a meter's rows may also span transactions), the other one row at a time through ``submit_readings``
in line order. Each row must be accepted by both or refused by both with the same code and message,
and both copies must end with the same counted readings.
"""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.periods import Period
from customers.models import Account
from metering import services
from metering.models import Reading
from metering.services import ImportRow, import_readings, submit_readings
from tests.conftest import TODAY
from tests.factories import AccountFactory, MeterFactory, add_submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today(today):
    return today


meter_specs = st.fixed_dictionaries(
    {
        "scheme": st.sampled_from([1, 2, 3]),
        "digits": st.sampled_from([4, 5, 6]),
        "ratio": st.sampled_from([1, 1, 30]),
        "kw": st.sampled_from([None, None, Decimal("3"), Decimal("7.30")]),
        "closed": st.sampled_from([False] * 7 + [True]),
        "expired": st.sampled_from([False] * 7 + [True]),
        # Monthly submissions before TODAY (0: a new meter), the first value, the monthly steps.
        "months": st.integers(0, 7),
        "start": st.integers(0, 10**6) | st.integers(-3000, -1),  # negative: just below the dial's maximum
        "step": st.integers(0, 900),
        "old": st.booleans(),  # one more reading long ago (beyond the year looked at)
    }
)

raw_values = st.one_of(
    (st.integers(-50, 400) | st.integers(400, 30_000)).map(lambda d: ("delta", d)),  # last + d, some implausible
    st.integers(-1200, 200).map(lambda d: ("wrap", d)),  # just past the dial's maximum: rollovers
    st.sampled_from([("raw", "12,5"), ("raw", "-7"), ("raw", "12a"), ("raw", ""), ("raw", "1 2 3"), ("raw", "9" * 10)]),
)

row_specs = st.lists(
    st.fixed_dictionaries(
        {
            "meter": st.sampled_from([0, 0, 1, 1, 2, 2, 3]),  # 3 of 3 meters: an unknown serial
            "days_ago": st.integers(-1, 40),  # -1: tomorrow
            "values": st.lists(raw_values, min_size=1, max_size=3),
            "zones": st.sampled_from(["all", "all", "all", "one fewer"]),
            "confirm": st.booleans(),
        }
    ),
    min_size=1,
    max_size=12,
)


def make_meter(spec, serial):
    account = AccountFactory(
        connection_kw=spec["kw"], status=Account.Status.CLOSED if spec["closed"] else Account.Status.ACTIVE
    )
    meter = MeterFactory(
        account=account,
        serial=serial,
        scheme=spec["scheme"],
        digits=spec["digits"],
        transformer_ratio=spec["ratio"],
        next_verification_on=TODAY - dt.timedelta(days=3) if spec["expired"] else None,
    )
    value = spec["start"] % 10 ** spec["digits"]
    dates = [Period.of(TODAY) - back for back in range(spec["months"], 0, -1)]
    if spec["old"]:
        dates.insert(0, Period.of(TODAY) - 30)
    for period in dates:
        value = (value + spec["step"]) % 10 ** spec["digits"]
        submission = uuid.uuid4()
        for zone in meter.zones:
            Reading.objects.create(
                meter=meter, zone=zone, value=value, taken_on=period.day(20), period=period,
                source="portal", state="billed", submission=submission,
            )  # fmt: skip
    return meter


def typed(meter, row, last):
    """The values a row types for a meter, from its last accepted values (per zone)."""
    zones = meter.zones if row["zones"] == "all" else meter.zones[:-1]
    typed = []
    for index, zone in enumerate(zones):
        kind, arg = row["values"][index % len(row["values"])]
        top = 10**meter.digits
        if kind == "raw":
            typed.append(arg)
        elif kind == "delta":
            typed.append(str(max(last.get(zone, 0) + arg, 0) % top))
        else:
            typed.append(str((top + arg) % top))
    return typed


def counted(meter):
    return [
        (r.zone, r.value, r.taken_on, r.period, r.rollover, r.implausible_confirmed, r.source)
        for r in Reading.objects.filter(meter=meter, state__in=Reading.COUNTED).order_by("taken_on", "id", "zone")
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(meter_specs, min_size=3, max_size=3),
    rows=row_specs,
    batch_size=st.integers(1, 5),
    chunk=st.sampled_from([1, 3, 100_000]),
)
def test_import_and_submit_readings_agree_row_by_row(specs, rows, batch_size, chunk, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_CHUNK_ROWS", chunk)
    tag = uuid.uuid4().hex[:6]
    bulk = [make_meter(spec, f"S{tag}{i}") for i, spec in enumerate(specs)]
    single = [make_meter(spec, f"S{tag}{i}") for i, spec in enumerate(specs)]
    numbers = {b.account.number: s.account.number for b, s in zip(bulk, single, strict=True)}

    import_rows, expected = [], []
    for line, row in enumerate(rows, start=2):
        index = row["meter"]
        meter = bulk[min(index, 2)]
        # Typed from the meter's last accepted values so far (a reading a little or a lot above it).
        values = typed(meter, row, {r[0]: r[1] for r in counted(single[min(index, 2)])})
        taken_on = TODAY - dt.timedelta(days=row["days_ago"])
        serial = meter.serial if index < 3 else "NO-SUCH"
        import_rows.append(ImportRow(line, meter.account.number, serial, values, taken_on, row["confirm"]))
        if index == 3:
            expected.append((line, "meter_not_found"))
            continue
        try:
            submit_readings(
                meter=single[index],
                values=values,
                channel=Reading.Source.IMPORT,
                taken_on=taken_on,
                confirm_implausible=row["confirm"],
            )
        except DomainError as error:
            expected.append((line, error.code, error.message))
        else:
            expected.append((line, "accepted"))

    report = import_readings(import_rows, channel=Reading.Source.IMPORT, batch_size=batch_size)

    refused = {line: (code, message) for line, code, message in report.rejected}
    assert [line for line, _, _ in report.rejected] == sorted(refused)  # in line order, one per line
    got = []
    for item in expected:
        line = item[0]
        if line not in refused:
            got.append((line, "accepted"))
        elif item[1] == "meter_not_found":
            got.append((line, refused[line][0]))
        else:
            code, message = refused[line]
            for bulk_number, single_number in numbers.items():
                message = message.replace(bulk_number, single_number)
            got.append((line, code, message))
    assert got == expected
    for item in expected:
        event(item[1])
    stored = [r for m in bulk for r in counted(m) if r[6] == Reading.Source.IMPORT]
    event(f"rollovers accepted: {min(sum(r[4] for r in stored), 1)}")
    event(f"implausible confirmed: {min(sum(r[5] for r in stored), 1)}")
    assert report.accepted == sum(1 for item in expected if item[1] == "accepted")
    for b, s in zip(bulk, single, strict=True):
        assert counted(b) == counted(s)


def test_a_later_row_is_judged_by_the_usual_use_including_the_rows_accepted_before_it(customer):
    meter = MeterFactory()
    add_submission(meter, dt.date(2026, 5, 20), {"total": 10_000})
    for month in range(6, 11):  # 200 kWh a month up to 20 October: 11 000
        add_submission(meter, dt.date(2026, month, 20), {"total": 10_000 + 200 * (month - 5)})
    rows = [
        # 3 000 kWh in 21 days: implausible against 200 a month, stored with the inspector's confirmation.
        ImportRow(1, meter.account.number, meter.serial, ["14000"], dt.date(2026, 11, 10), confirm_implausible=True),
        # 2 000 kWh in 10 days: plausible once the 3 000 above counts in the usual use (about 700 a month).
        ImportRow(2, meter.account.number, meter.serial, ["16000"], TODAY),
    ]
    report = import_readings(rows, channel=Reading.Source.IMPORT)
    assert (report.accepted, report.rejected) == (2, [])
    assert [r[1] for r in counted(meter)][-2:] == [14_000, 16_000]
