"""Business customers sign up with INN/KPP and a contract number, wait for staff, and are approved
or rejected (with a reason) in the back office; every decision is audited and told to the customer."""

import re

import pytest
from django.core import mail

from core.demo import STAFF_PHONE
from core.models import AuditEntry
from customers.models import AccountLink, BusinessApplication, Customer
from customers.requisites import inn_is_valid
from identity.models import User
from tests.factories import AccountFactory, CustomerFactory, UserFactory
from tests.messages import last_code, sms_texts

pytestmark = pytest.mark.django_db
PASSWORD = "Лампочка-Ильича-42"
PHONE = "+79995550011"
INN, KPP = "7707083893", "773601001"
CHANGELIST = "/backoffice/customers/businessapplication/"


@pytest.fixture(autouse=True)
def _send(send_now):
    pass


def apply(client, **changes):
    data = {
        "organization": "ООО «Ромашка»",
        "inn": INN,
        "kpp": KPP,
        "contract_number": "ЭС-1024/2026",
        "last_name": "Петров",
        "first_name": "Пётр",
        "email": "buh@romashka.example",
        "phone": PHONE,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_terms": "on",
        "accept_personal_data": "on",
        "captcha_0": "k",
        "captcha_1": "PASSED",
    }
    data.update(changes)
    return client.post("/register/business/", data)


def field_error(response, field) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    return match.group(1) if match else ""


@pytest.fixture
def applicant(client):
    """A business user who confirmed the phone and is logged in, the application pending."""
    assert apply(client)["Location"] == "/register/confirm/"
    response = client.post("/register/confirm/", {"code": last_code(PHONE)})
    assert response["Location"] == "/business/pending/"
    return User.objects.get(phone=PHONE)


@pytest.fixture
def company_accounts():
    company = CustomerFactory(kind=Customer.Kind.BUSINESS, organization="ООО «Ромашка»", inn=INN, kpp=KPP)
    other_branch = CustomerFactory(
        kind=Customer.Kind.BUSINESS, organization="ООО «Ромашка» филиал", inn=INN, kpp="773602001"
    )
    return [
        AccountFactory(number="6400000001", customer=company),
        AccountFactory(number="6400000002", customer=company),
        AccountFactory(number="6400000003", customer=other_branch),
    ]


@pytest.fixture
def staff(client):
    return User.objects.create_superuser(STAFF_PHONE, "Admin-Svet-2026")


def act(client, action, application, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [application.pk], **extra})


def test_a_business_user_confirms_the_phone_and_waits_for_approval(client, applicant):
    application = BusinessApplication.objects.get(user=applicant)
    assert applicant.kind == User.Kind.BUSINESS and applicant.is_active
    assert (application.inn, application.kpp, application.contract_number) == (INN, KPP, "ЭС-1024/2026")
    assert application.status == BusinessApplication.Status.PENDING
    html = client.get("/business/pending/").content.decode()
    assert "Заявка на рассмотрении" in html and "Ожидает одобрения" in html and INN in html
    assert AuditEntry.objects.filter(action="business.applied", actor=applicant).exists()


@pytest.mark.parametrize("path", ["/", "/?all=1", "/a/link/", "/a/6400000001/"])
def test_until_approved_the_portal_shows_only_the_application(client, applicant, company_accounts, path):
    assert client.get(path)["Location"] == "/business/pending/"


def test_logging_in_again_while_pending_lands_on_the_application(client, applicant):
    client.logout()
    response = client.post("/login/", {"username": PHONE, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/business/pending/"
    assert client.get("/profile/").status_code == 200  # one's own profile stays open


def test_nothing_is_filed_before_the_phone_is_confirmed(client):
    apply(client)
    assert not BusinessApplication.objects.exists()
    client.post("/register/confirm/", {"code": "000000" if last_code(PHONE) != "000000" else "111111"})
    assert not BusinessApplication.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"inn": "7707083894"}, "inn", "контрольные цифры не сходятся"),
        ({"inn": "77070838"}, "inn", "ИНН организации — 10 цифр"),
        ({"inn": "77070838ab"}, "inn", "ИНН организации — 10 цифр"),
        ({"kpp": ""}, "kpp", "КПП — 9 цифр"),
        ({"kpp": "7736010"}, "kpp", "КПП — 9 цифр"),
        ({"inn": "500100732259", "kpp": KPP}, "kpp", "У индивидуального предпринимателя нет КПП"),
        ({"contract_number": ""}, "contract_number", "Обязательное поле"),
        ({"organization": ""}, "organization", "Обязательное поле"),
    ],
)
def test_wrong_requisites_are_explained_next_to_their_field(client, changes, field, message):
    response = apply(client, **changes)
    assert message in field_error(response, field)
    assert not User.objects.exists()


def test_an_individual_entrepreneur_signs_up_with_a_12_digit_inn_and_no_kpp(client):
    assert (
        apply(client, inn="5001 0073 2259", kpp="", organization="ИП Петров П. П.")["Location"] == "/register/confirm/"
    )
    client.post("/register/confirm/", {"code": last_code(PHONE)})
    assert BusinessApplication.objects.get().inn == "500100732259"


@pytest.mark.parametrize(
    ("inn", "valid"),
    [
        ("7707083893", True),
        ("7728168971", True),
        ("7707083890", False),
        ("500100732259", True),
        ("500100732250", False),
        ("0000000000", True),
        ("123", False),
    ],
)
def test_inn_check_digits(inn, valid):
    assert inn_is_valid(inn) is valid


def test_staff_approve_in_the_back_office_and_the_company_accounts_appear(client, applicant, company_accounts, staff):
    application = BusinessApplication.objects.get(user=applicant)
    client.force_login(staff)
    response = act(client, "approve", application)
    assert response.status_code == 302

    application.refresh_from_db()
    assert application.status == BusinessApplication.Status.APPROVED and application.decided_by == staff
    linked = set(AccountLink.objects.filter(user=applicant).values_list("account__number", flat=True))
    assert linked == {"6400000001", "6400000002"}  # the same INN and KPP only, not the other branch
    entry = AuditEntry.objects.get(action="business.approved")
    assert entry.actor == staff and sorted(entry.changes["accounts"]) == ["6400000001", "6400000002"]
    assert "одобрена" in sms_texts(PHONE)[-1]
    assert any("одобрена" in m.body and m.to == ["buh@romashka.example"] for m in mail.outbox)

    client.force_login(applicant)
    assert client.get("/business/pending/")["Location"] == "/"
    assert client.get("/a/6400000001/").status_code == 200
    assert client.get("/a/6400000003/").status_code == 404


def test_rejection_asks_for_a_reason_which_the_customer_sees(client, applicant, staff):
    application = BusinessApplication.objects.get(user=applicant)
    client.force_login(staff)
    page = act(client, "reject", application)
    assert page.status_code == 200 and "Причина отказа" in page.content.decode()
    empty = act(client, "reject", application, reason="  ")
    assert empty.status_code == 200
    application.refresh_from_db()
    assert application.status == BusinessApplication.Status.PENDING

    reason = "Договор ЭС-1024/2026 заключён с другой организацией"
    assert act(client, "reject", application, reason=reason).status_code == 302

    application.refresh_from_db()
    assert application.status == BusinessApplication.Status.REJECTED and application.rejection_reason == reason
    assert AuditEntry.objects.get(action="business.rejected").reason == reason
    assert reason in sms_texts(PHONE)[-1]
    client.force_login(applicant)
    html = client.get("/business/pending/").content.decode()
    assert "Заявка отклонена" in html and reason in html
    assert client.get("/")["Location"] == "/business/pending/"


def test_a_decided_application_is_not_decided_again(client, applicant, company_accounts, staff):
    application = BusinessApplication.objects.get(user=applicant)
    client.force_login(staff)
    act(client, "reject", application, reason="Нет договора")
    act(client, "approve", application)
    application.refresh_from_db()
    assert application.status == BusinessApplication.Status.REJECTED
    assert not AccountLink.objects.filter(user=applicant).exists()


def test_customers_and_staff_without_rights_cannot_decide(client, applicant):
    application = BusinessApplication.objects.get(user=applicant)
    act(client, "approve", application)  # the applicant themself
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert act(client, "approve", application).status_code == 403
    application.refresh_from_db()
    assert application.status == BusinessApplication.Status.PENDING
