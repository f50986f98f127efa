"""The notification centre: a bell with the unread count in the header, the list, mark read (one or
all, HTMX or plain forms), and nobody else's notifications."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Channel, ChannelPreference, Kind, Notification
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tell(user, n, kind=Kind.REQUEST_ANSWERS):
    ChannelPreference.objects.get_or_create(user=user, kind=kind, defaults={"channel": Channel.PORTAL})
    notify(user=user, kind=kind, subject=f"Тема {n}", text=f"Текст {n}", url="/", event_key=f"e:{n}")


def bell(html):
    match = re.search(r'<a href="/notifications/" id="notification-bell".*?</a>', html, re.S)
    assert match, "no bell in the header"
    count = re.search(r'data-testid="unread-count">(\d+)<', match[0])
    return int(count[1]) if count else 0


def test_the_header_shows_the_number_of_unread_notifications(cabinet, customer):
    assert bell(cabinet.get("/profile/").content.decode()) == 0
    tell(customer, 1)
    tell(customer, 2)
    html = cabinet.get("/profile/").content.decode()
    assert bell(html) == 2 and 'aria-label="Уведомления, непрочитанных: 2"' in html


def test_the_bell_costs_at_most_one_query_and_none_once_cached(customer, rf):
    from django.template import Context, Template

    tell(customer, 1)
    request = rf.get("/")
    request.user = customer
    template = Template("{% load notification_tags %}{% notification_bell %}")
    with CaptureQueriesContext(connection) as first:
        html = template.render(Context({"request": request}))
    with CaptureQueriesContext(connection) as second:
        template.render(Context({"request": request}))
    assert bell(html) == 1
    assert len(first.captured_queries) == 1 and len(second.captured_queries) == 0


def test_anonymous_visitors_have_no_bell(client, db):
    assert 'id="notification-bell"' not in client.get("/login/").content.decode()


def test_the_page_lists_notifications_newest_first(cabinet, customer):
    for n in range(1, 4):
        tell(customer, n)
    html = cabinet.get("/notifications/").content.decode()
    assert html.index("Тема 3") < html.index("Тема 2") < html.index("Тема 1")
    assert html.count("Отметить прочитанным") == 3 and "Отметить все прочитанными" in html


def test_a_long_list_is_paged(cabinet, customer):
    for n in range(1, 23):
        tell(customer, n)
    first = cabinet.get("/notifications/").content.decode()
    second = cabinet.get("/notifications/?page=2").content.decode()
    assert "Тема 22</h2>" in first and "Тема 3</h2>" in first and "Тема 2</h2>" not in first
    assert "Тема 2</h2>" in second and "Тема 1</h2>" in second and "Тема 22</h2>" not in second
    assert "Страница 2 из 2" in second


def test_marking_one_read_with_htmx_swaps_it_and_updates_the_bell(cabinet, customer):
    tell(customer, 1)
    tell(customer, 2)
    first = Notification.objects.get(event_key="e:1")
    response = cabinet.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in html and "Прочитано" in html and "Отметить прочитанным" not in html
    assert 'hx-swap-oob="true"' in html and bell(html) == 1
    first.refresh_from_db()
    assert first.read_at is not None
    assert bell(cabinet.get("/profile/").content.decode()) == 1


def test_marking_read_without_javascript_goes_back_to_the_list(cabinet, customer):
    tell(customer, 1)
    entry = Notification.objects.get()
    response = cabinet.post(f"/notifications/{entry.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_all_read_at_once(cabinet, customer):
    for n in range(1, 4):
        tell(customer, n)
    html = cabinet.post("/notifications/read-all/", HTTP_HX_REQUEST="true").content.decode()
    assert "Отметить прочитанным" not in html and bell(html) == 0
    assert not Notification.objects.filter(user=customer, read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(cabinet, customer):
    stranger = UserFactory()
    tell(stranger, 1)
    theirs = Notification.objects.get(user=stranger)
    assert cabinet.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Тема 1" not in cabinet.get("/notifications/").content.decode()
    cabinet.post("/notifications/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_centre_needs_a_login_and_a_post(client, cabinet, customer):
    tell(customer, 1)
    entry = Notification.objects.get()
    assert cabinet.get(f"/notifications/{entry.pk}/read/").status_code == 405
    client.logout()
    assert client.get("/notifications/")["Location"].startswith("/login/")
    assert client.post(f"/notifications/{entry.pk}/read/")["Location"].startswith("/login/")


def test_marking_read_needs_the_csrf_token(customer, meter, today):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer)
    tell(customer, 1)
    entry = Notification.objects.get()
    assert strict.post(f"/notifications/{entry.pk}/read/").status_code == 403


def test_links_to_other_sites_are_not_shown(cabinet, customer):
    ChannelPreference.objects.create(user=customer, kind=Kind.NEWS, channel=Channel.PORTAL)
    notify(user=customer, kind=Kind.NEWS, subject="Акция", text="Текст", url="https://evil.example/", event_key="n")
    notify(user=customer, kind=Kind.NEWS, subject="Акция 2", text="Текст", url="//evil.example/", event_key="m")
    assert "evil.example" not in cabinet.get("/notifications/").content.decode()
