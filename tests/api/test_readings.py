"""Readings through the API: preview (draft), submission (accepted for a period), the refusals, history.

The rules are metering's (tests/metering): these tests check that the API reaches them and says
what they say, with the right status and field.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import AuditEntry
from metering.models import Meter, Reading
from tests.factories import MeterFactory, history, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(meter_url):
    return meter_url + "readings/"


def stored(meter):
    return list(Reading.objects.filter(meter=meter, source="api").values_list("value", "state"))


def test_preview_is_a_draft_with_volume_cost_and_charge_and_stores_nothing(api, url, meter):
    response = api.post(url + "preview/", {"values": {"total": "11 450"}})
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["submission"], body["accepted_for_period"]) == ("draft", None, None)
    assert (body["period"], body["period_label"], body["window_open"]) == ("2026-11", "ноябрь 2026", True)
    assert body["lines"] == [
        {"zone": "total", "label": "круглосуточно", "previous": 11200, "value": 11450, "volume": 250,
         "rollover": False, "price": "6.0000", "amount": "1500.00"},
    ]  # fmt: skip
    assert (body["volume"], body["cost"], body["needs_confirmation"]) == (250, "1500.00", False)
    assert body["charge"]["charge"] == "1500.00" and body["charge"]["to_pay"] == "1500.00"
    assert stored(meter) == []


def test_a_submission_is_accepted_for_the_period_and_audited_as_api(api, url, meter, customer):
    response = api.post(url, {"values": {"total": 11450}})
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["accepted_for_period"], body["volume"], body["cost"]) == (
        "accepted", "2026-11", 250, "1500.00",
    )  # fmt: skip
    reading = Reading.objects.get(meter=meter, source="api")
    assert (reading.value, reading.state, str(reading.period), reading.entered_by) == (
        11450, "accepted", "2026-11", customer,
    )  # fmt: skip
    assert str(reading.submission) == body["submission"]
    entry = AuditEntry.objects.get(action="reading.submitted")
    assert (entry.channel, entry.actor, entry.account) == ("api", customer, meter.account)


def test_after_the_window_closes_a_reading_counts_for_the_next_period(api, url, clock):
    clock.set(dt.date(2026, 11, 27))
    body = api.post(url, {"values": {"total": "11450"}}).json()
    assert (body["accepted_for_period"], body["window_open"]) == ("2026-12", False)
    assert "будут учтены за декабрь 2026" in body["notices"][0]


def test_an_implausible_volume_is_409_until_confirmed(api, url, meter):
    refused = api.post(url, {"values": {"total": "112000"}})
    assert refused.status_code == 409
    error = refused.json()
    assert error["code"] == "reading_implausible"
    assert "цифры после запятой" in error["message"]
    assert error["details"]["needs_confirmation"] is True
    assert error["details"]["volume"] == 100800
    assert error["details"]["resend_with"] == {"confirm_implausible": True}
    assert stored(meter) == []

    preview = api.post(url + "preview/", {"values": {"total": "112000"}}).json()
    assert preview["needs_confirmation"] is True and "цифры после запятой" in preview["implausible"]

    confirmed = api.post(url, {"values": {"total": "112000"}, "confirm_implausible": True})
    assert confirmed.status_code == 201
    assert confirmed.json()["implausible_confirmed"] is True
    assert stored(meter) == [(112000, "accepted")]


def test_a_second_submission_the_same_day_replaces_the_first(api, url, meter):
    api.post(url, {"values": {"total": "11450"}})
    second = api.post(url, {"values": {"total": "11440"}}).json()
    assert second["replaces_earlier"] is True
    assert sorted(stored(meter)) == [(11440, "accepted"), (11450, "replaced")]
    entries = api.get(url).json()["results"]
    assert [(e["values"], e["state"], e["accepted_for_period"]) for e in entries[:2]] == [
        ({"total": 11440}, "accepted", "2026-11"),
        ({"total": 11450}, "replaced", None),
    ]
    assert entries[0]["correctable"] is True and entries[1]["correctable"] is False


def test_unchanged_readings_repeat_the_last_accepted_ones(api, url):
    body = api.post(url, {"unchanged": True}).json()
    assert body["lines"][0]["value"] == 11200 and body["volume"] == 0


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"total": "11450,7"}, "reading_fraction", "values.total"),
        ({"total": 11450.7}, "reading_fraction", "values.total"),
        ({"total": "-5"}, "reading_negative", "values.total"),
        ({"total": "11 4x0"}, "reading_not_number", "values.total"),
        ({"total": "1234567"}, "reading_too_long", "values.total"),
        ({"total": "11100"}, "reading_lower_than_previous", "values.total"),
        ({"total": ""}, "reading_required", "values.total"),
        ({"day": "1", "night": "2"}, "reading_zone_count", None),
        (["1", "2"], "reading_zone_count", None),
        (None, "reading_required", None),
    ],
)
def test_refused_readings_say_why_with_the_field(api, url, meter, values, code, field):
    response = api.post(url, {"values": values})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert body.get("field") == field
    assert body["message"]
    assert stored(meter) == []


def test_a_value_of_the_wrong_json_type_is_a_validation_error(api, url):
    response = api.post(url, {"values": {"total": True}})
    assert response.status_code == 422
    assert response.json()["field"] == "values"
    assert response.json()["code"] == "item"


def test_the_fraction_message_says_what_to_type(api, url):
    message = api.post(url, {"values": {"total": "12345,6"}}).json()["message"]
    assert "Введите только цифры до запятой" in message and "введите 12345." in message


def test_a_removed_meter_or_an_expired_verification_refuses_readings(api, url, meter):
    Meter.objects.filter(pk=meter.pk).update(next_verification_on=dt.date(2026, 11, 1))
    assert api.post(url, {"values": {"total": "11300"}}).json()["code"] == "meter_verification_expired"
    Meter.objects.filter(pk=meter.pk).update(status="removed")
    assert api.post(url, {"values": {"total": "11300"}}).json()["code"] == "meter_removed"


def test_a_day_night_meter_takes_both_zones_by_name_or_in_order(api, customer):
    other = MeterFactory(account__number="6300000102", scheme=2)
    link(customer, other.account)
    history(other, {"day": 5000, "night": 3000})
    url = f"/accounts/6300000102/meters/{other.pk}/readings/"
    by_name = api.post(url + "preview/", {"values": {"night": "3650", "day": "5650"}}).json()
    in_order = api.post(url + "preview/", {"values": ["5650", "3650"]}).json()
    assert [(x["zone"], x["volume"]) for x in by_name["lines"]] == [("day", 50), ("night", 50)]
    assert by_name["lines"] == in_order["lines"]


def test_submitting_without_an_idempotency_key_is_refused(api, url, meter):
    response = api.post(url, {"values": {"total": "11300"}}, auto_key=False)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("idempotency_key_required", "Idempotency-Key")
    assert stored(meter) == []


def test_one_submission_is_nine_sql_statements_once_the_token_is_cached(api, url, django_assert_num_queries):
    api.post(url + "preview/", {"values": {"total": "11300"}})  # steady state: token, windows, prices cached
    # access check, idempotency insert, savepoint, meter lock, the year of readings, readings insert,
    # audit insert, release, idempotency answer; plus the test transaction's own savepoint pair.
    with django_assert_num_queries(11):
        response = api.post(url, {"values": {"total": "11300"}})
    assert response.status_code == 201


# --- History ----------------------------------------------------------------------------------------


def test_history_lists_submissions_newest_first_with_states_and_sources(api, url):
    api.post(url, {"values": {"total": "11450"}})
    body = api.get(url).json()
    assert body["count"] == 7
    first, second = body["results"][:2]
    assert (first["source"], first["state"], first["volume"], first["period"]) == ("api", "accepted", 250, "2026-11")
    assert (second["state"], second["state_label"], second["accepted_for_period"]) == (
        "billed", "учтено в счёте", "2026-10",
    )  # fmt: skip


def test_history_is_filtered_by_period_and_paged(api, url):
    body = api.get(url, {"period_from": "2026-07", "period_to": "2026-09", "page_size": 2}).json()
    assert body["count"] == 3
    assert [e["period"] for e in body["results"]] == ["2026-09", "2026-08"]
    rest = api.get(url, {"period_from": "2026-07", "period_to": "2026-09", "page_size": 2, "page": 2}).json()
    assert [e["period"] for e in rest["results"]] == ["2026-07"]
    assert api.get(url, {"page": 9}).json()["code"] == "page_not_found"


def test_a_malformed_period_is_422_on_its_field(api, url):
    response = api.get(url, {"period_from": "2026-13"})
    assert response.status_code == 422
    assert response.json()["field"] == "period_from"
