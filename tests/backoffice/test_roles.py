"""Each staff role may do what the role table says and is refused (403) everything else; customers
never get into the back office. The table in ``backoffice/roles.py`` is the one truth, kept in the
database by ``sync_roles`` after every migrate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from backoffice.models import ReadingImport
from backoffice.roles import ROLES, sync_roles
from customers.models import BusinessApplication
from service import services
from tests.factories import UserFactory

from .staff import ROLES as ROLE_CODES
from .staff import staff

pytestmark = pytest.mark.django_db

ALL = set(ROLE_CODES)


@pytest.fixture
def world(meter, customer, today):
    """One of everything a staff page is about."""
    request = services.file_request(user=customer, kind="question", subject="Вопрос", text="?", account=meter.account)
    job = ReadingImport.objects.create(file_name="round.csv", content="account;serial;date;values\n")
    return {"meter": meter, "customer": meter.account.customer, "request": request, "import": job}


# (action, method, url for the world, data, roles that may)
ACTIONS = [
    ("search customers", "get", lambda w: reverse("admin:backoffice_customercard_changelist") + "?q=6300000101", None, ALL),
    ("open the customer card", "get", lambda w: reverse("admin:backoffice_customercard_change", args=[w["customer"].pk]), None, ALL),
    ("enter readings for a customer", "get", lambda w: reverse("admin:backoffice_customercard_readings", args=[w["customer"].pk, w["meter"].pk]), None, {"operator", "inspector", "administrator"}),
    ("upload an inspector's round", "get", lambda w: reverse("admin:backoffice_readingimport_add"), None, {"inspector", "administrator"}),
    ("see uploads and their reports", "get", lambda w: reverse("admin:backoffice_readingimport_change", args=[w["import"].pk]), None, {"inspector", "billing", "administrator"}),
    ("correct a reading with a reason", "get", lambda w: reverse("admin:metering_meter_correct", args=[w["meter"].pk]), None, {"inspector", "billing", "administrator"}),
    ("add a meter", "get", lambda w: reverse("admin:metering_meter_add"), None, {"inspector", "administrator"}),
    ("see the requests", "get", lambda w: reverse("admin:service_request_changelist"), None, ALL),
    ("answer a request", "post", lambda w: reverse("admin:service_request_reply", args=[w["request"].pk]), {"text": ""}, {"operator", "billing", "administrator"}),
    ("change a request's status", "post", lambda w: reverse("admin:service_request_status", args=[w["request"].pk]), {"status": "answered"}, {"operator", "billing", "administrator"}),
    ("assign a request", "post", lambda w: reverse("admin:service_request_assign", args=[w["request"].pk]), {"assignee": "0"}, {"operator", "billing", "administrator"}),
    ("edit the FAQ", "get", lambda w: reverse("admin:service_faqentry_add"), None, {"operator", "administrator"}),
    ("unlock a customer's logins", "get", lambda w: reverse("admin:backoffice_customercard_unlock") + "?phone=89161234567", None, {"operator", "administrator"}),
    ("change tariffs", "get", lambda w: reverse("admin:billing_tariffprice_add"), None, {"billing", "administrator"}),
    ("change tariff categories", "get", lambda w: reverse("admin:billing_tariffcategory_add"), None, {"billing", "administrator"}),
    ("change the submission window", "get", lambda w: reverse("admin:metering_submissionwindow_add"), None, {"billing", "administrator"}),
    ("change consumption norms", "get", lambda w: reverse("admin:billing_consumptionnorm_add"), None, {"billing", "administrator"}),
    ("change key rates", "get", lambda w: reverse("admin:billing_keyrate_add"), None, {"billing", "administrator"}),
    ("close a billing period", "get", lambda w: reverse("admin:billing_billingrun_close"), None, {"billing", "administrator"}),
    ("adjust a balance", "get", lambda w: reverse("admin:billing_ledgerentry_adjust"), None, {"billing", "administrator"}),
    ("see the audit log", "get", lambda w: reverse("admin:core_auditentry_changelist"), None, ALL),
    ("manage users", "get", lambda w: reverse("admin:identity_user_changelist"), None, {"administrator"}),
    ("manage roles", "get", lambda w: reverse("admin:auth_group_changelist"), None, {"administrator"}),
    ("manage staff second factors", "get", lambda w: reverse("admin:otp_totp_totpdevice_changelist"), None, {"administrator"}),
]  # fmt: skip
CASES = [
    (action, method, url, data, role, role in allowed)
    for action, method, url, data, allowed in ACTIONS
    for role in ROLE_CODES
]


@pytest.mark.parametrize(
    ("action", "method", "url", "data", "role", "allowed"),
    CASES,
    ids=[f"{role}-{'may' if allowed else 'may not'}-{action}" for action, _m, _u, _d, role, allowed in CASES],
)
def test_each_role_may_do_exactly_what_the_table_says(client, world, action, method, url, data, role, allowed):
    client.force_login(staff(role))
    response = getattr(client, method)(url(world), data or {})
    if allowed:
        assert response.status_code in (200, 302), (action, role, response.status_code)
        assert response.status_code == 200 or "/login/" not in response["Location"]
    else:
        assert response.status_code == 403, (action, role, response.status_code)


def test_refused_staff_actions_change_nothing(client, world):
    request = world["request"]
    client.force_login(staff("inspector"))
    client.post(reverse("admin:service_request_reply", args=[request.pk]), {"text": "Ответ контролёра"})
    client.post(reverse("admin:service_request_status", args=[request.pk]), {"status": "closed"})
    request.refresh_from_db()
    assert (request.status, request.messages.count()) == ("new", 0)


@pytest.mark.parametrize(
    ("role", "allowed"), [("billing", True), ("administrator", True), ("operator", False), ("inspector", False)]
)
def test_only_billing_staff_approve_business_applications(client, role, allowed):
    applicant = UserFactory(kind="business")
    application = BusinessApplication.objects.create(
        user=applicant, organization="ООО Ромашка", inn="7707083893", contract_number="1"
    )
    client.force_login(staff(role))
    client.post(
        reverse("admin:customers_businessapplication_changelist"),
        {"action": "approve", "_selected_action": [application.pk]},
    )
    application.refresh_from_db()
    assert (application.status == BusinessApplication.Status.APPROVED) is allowed


def test_customers_and_staff_without_a_role_are_kept_out(client, world):
    urls = [url(world) for _a, method, url, _d, _allowed in ACTIONS if method == "get"]
    client.force_login(world["customer"].accounts.first().links.first().user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/backoffice/login/" in response["Location"], url
    client.force_login(UserFactory(is_staff=True))  # staff, but no role yet
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_sync_keeps_each_group_to_the_table(db):
    operator = Group.objects.get(name="Оператор колл-центра")
    operator.permissions.add(Permission.objects.get(codename="add_billingrun"))
    sync_roles()
    codes = {f"{p.content_type.app_label}.{p.codename}" for p in operator.permissions.select_related("content_type")}
    [table] = [role.permissions for role in ROLES if role.code == "operator"]
    assert codes == set(table)
    assert Group.objects.get(name="Администратор").permissions.count() == Permission.objects.count()
    sync_roles()
    assert Group.objects.filter(name__in=[role.name for role in ROLES]).count() == len(ROLES)
