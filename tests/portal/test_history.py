"""The history page: every submission with its state, and the monthly chart."""

import datetime as dt
import re

import pytest

from metering.models import Reading
from tests.conftest import TODAY
from tests.factories import MeterFactory, link

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return "/a/6300000101/history/"


def rows(html):
    return re.findall(r'<tr class="state-(\w+)">(.*?)</tr>', html, re.S)


def test_history_lists_submissions_newest_first_with_volume_source_and_state(cabinet, url):
    html = cabinet.get(url).content.decode()
    found = rows(html)
    assert len(found) == 6
    state, newest = found[0]
    assert state == "billed"
    assert "20.10.2026" in newest and "октябрь 2026" in newest and ">11200<" in newest
    assert '<td class="num">200' in newest
    assert "личный кабинет" in newest and "учтено в счёте" in newest
    assert "20.05.2026" in found[-1][1]


def test_history_draws_the_monthly_chart(cabinet, url):
    html = cabinet.get(url).content.decode()
    chart = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert "<rect" in chart
    assert "Потребление по месяцам, кВт·ч" in html


def test_a_corrected_submission_shows_as_replaced(cabinet, meter):
    submit = f"/a/6300000101/meters/{meter.pk}/readings/"
    cabinet.post(submit, {"total": "11500", "action": "submit"})
    html = cabinet.post(submit, {"total": "11300", "action": "submit"}, follow=True).content.decode()
    states = [state for state, _ in rows(html)]
    assert states[:2] == ["accepted", "replaced"]
    assert "заменено исправлением" in html and "(Исправлено абонентом в тот же день)" in html


def test_own_submission_of_today_can_be_corrected_until_midnight(cabinet, meter, clock):
    submit = f"/a/6300000101/meters/{meter.pk}/readings/"
    cabinet.post(submit, {"total": "11350", "action": "submit"})
    assert "Исправить (до конца дня)" in cabinet.get("/a/6300000101/history/").content.decode()
    clock.set(TODAY + dt.timedelta(days=1))
    assert "Исправить (до конца дня)" not in cabinet.get("/a/6300000101/history/").content.decode()


def test_meter_without_readings(cabinet, customer):
    meter = MeterFactory(account__number="6300000103")
    link(customer, meter.account)
    html = cabinet.get("/a/6300000103/history/").content.decode()
    assert "Показаний пока нет." in html and "<svg" in html
    assert not Reading.objects.filter(meter=meter).exists()
