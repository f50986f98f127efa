"""The English catalogue is complete: every main customer page, rendered after the customer chose English,
has no Russian left in its visible text except the data it shows (the customer, the company and the
texts stored when an event happened), and the API answers in the chosen language.

The customer, the company and the FAQ here are all in Latin letters, so any Cyrillic letter on a page
is a string that is missing from the catalogue or not marked for translation at all.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from api.models import ApiToken
from api.services import create_token
from billing.models import ConsumptionNorm, KeyRate, LedgerEntry
from billing.services import close_period
from core.periods import Period
from customers.models import Account, Customer, Premise
from metering.models import Reading
from notifications.models import Notification
from payments.models import Payment
from service import services as service_services
from service.kinds import KINDS
from service.models import FaqEntry, Request, StatusChange
from tests.backoffice.staff import staff
from tests.documents.conftest import pdf_text, pdf_tools  # noqa: F401 - pdf_tools is a fixture
from tests.factories import MeterFactory, TariffCategoryFactory, UserFactory, add_submission, history, link

pytestmark = pytest.mark.django_db

NUMBER = "6300000101"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_COMPANY = {
    "name": "Demo Energy JSC",
    "short_name": "Demo Energy",
    "inn": "6300000001",
    "kpp": "631601001",
    "address": "443000, Samara, 1 Demo Street",
    "phone": "8 800 000-00-00",
    "bank_name": "Demo Bank PJSC",
    "bic": "043601000",
    "account": "40702810000000000001",
    "corr_account": "30101810000000000000",
    "sms_number": "1163",
}


class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes (not scripts or styles) and the title, placeholder,
    aria-label and alt attributes, and the labels of buttons."""

    HIDDEN = {"script", "style"}
    SPOKEN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        found = dict(attrs)
        self.parts += [found[name] or "" for name in self.SPOKEN if name in found]
        if tag == "input" and found.get("type") in ("submit", "button"):
            self.parts.append(found.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def russian_left(text: str, data: set[str] = frozenset()) -> list[str]:
    """The phrases with Cyrillic letters that remain once the known data is taken out."""
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    runs = re.finditer(r"[А-Яа-яЁё]+(?:[\s·.,:;«»()-]*[А-Яа-яЁё]+)*", text)
    return sorted({text[max(run.start() - 12, 0) : run.end() + 12].strip() for run in runs})


def stored_texts(user) -> set[str]:
    """Texts the system stored when something happened (in the language of that moment): data on a page."""
    texts: set[str] = set()
    for n in Notification.objects.filter(user=user):
        texts |= {n.subject, n.text}
    texts |= set(LedgerEntry.objects.exclude(reason="").values_list("reason", flat=True))
    texts |= set(StatusChange.objects.exclude(note="").values_list("note", flat=True))
    return {" ".join(t.split()) for t in texts}


def assert_english(response, data: set[str] = frozenset()) -> str:
    assert response.status_code in (200, 422), (response.status_code, response.get("Location"))
    html = response.content.decode()
    if "<html" in html:
        assert '<html lang="en">' in html
    text = visible_text(html)
    left = russian_left(text, data)
    assert not left, f"{response.request['PATH_INFO']}: Russian left on the English page: {left}"
    return text


def choose_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.fixture(autouse=True)
def _english_company_and_no_language_leak(settings):
    """A company with Latin details (its name is data, shown on every page); no language left active."""
    settings.COMPANY = LATIN_COMPANY
    settings.NOTIFICATIONS_QUIET_HOURS = ""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def private_root(settings, tmp_path):
    settings.SERVICE_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def household(clock, private_root):
    """John Smith: one account with a day/night meter, November 2026 billed (and overdue by the time
    the pages are seen, 16 December 2026), a card payment, an answered request, an FAQ in English."""
    category = TariffCategoryFactory(code="town", name="Town")
    for residents in range(1, 4):
        ConsumptionNorm.objects.create(
            category=category, residents=residents, valid_from=dt.date(2020, 1, 1), kwh_per_resident=60
        )
    KeyRate.objects.create(valid_from=dt.date(2025, 10, 27), rate="16.5")
    user = UserFactory(
        phone="+79161234567", first_name="John", last_name="Smith", email="john@example.com", email_confirmed=True
    )
    account = Account.objects.create(
        number=NUMBER,
        customer=Customer.objects.create(last_name="Smith", first_name="John"),
        premise=Premise.objects.create(address="Samara, Test Street, 1, flat 1"),
        tariff_category=category,
        opened_on=dt.date(2020, 1, 1),
    )
    link(user, account)
    meter = MeterFactory(account=account, serial="DN000777", scheme=2)
    history(meter, {"day": 10_000, "night": 5_000})
    clock.set(dt.date(2026, 11, 20))
    add_submission(meter, dt.date(2026, 11, 20), {"day": 10_750, "night": 5_700}, state=Reading.State.ACCEPTED)
    clock.set(dt.date(2026, 12, 2))
    close_period(period=Period(2026, 11))
    for position, (question, answer) in enumerate(
        [
            ("How do I submit meter readings?", "In your account, by SMS or by phone."),
            ("When is meter verification due?", "The date is on your bill."),
        ]
    ):
        FaqEntry.objects.create(topic="Readings", question=question, answer=answer, position=position)
    clock.set(dt.date(2026, 12, 16))
    user.account, user.meter = account, meter
    return user


@pytest.fixture
def english(client, household):
    client.force_login(household)
    choose_english(client)
    return client


def test_the_account_pages_are_all_in_english(english, household):
    data = stored_texts(household)
    base = f"/a/{NUMBER}"
    submit = f"{base}/meters/{household.meter.pk}/readings/"
    for path in ("/?all=1", f"{base}/", submit, f"{base}/history/", f"{base}/bills/", f"{base}/bills/2026-11/",
                 f"{base}/money/", "/a/link/", "/tariffs/"):  # fmt: skip
        assert_english(english.get(path), data)

    preview = {"day": "11 000", "night": "5 800", "action": "preview"}
    assert "Calculation for the readings entered" in assert_english(english.post(submit, preview), data)
    assert_english(english.post(submit, preview, HTTP_HX_REQUEST="true"), data)
    lower = assert_english(english.post(submit, {"day": "10 000", "night": "5 800", "action": "submit"}), data)
    assert "is lower than the last accepted one" in lower
    implausible = assert_english(english.post(submit, {"day": "13 000", "night": "5 800", "action": "submit"}), data)
    assert "much higher than usual" in implausible
    done = english.post(submit, {"day": "11 000", "night": "5 800", "action": "submit"}, follow=True)
    assert "accepted for December 2026" in assert_english(done, data)


def test_paying_and_the_receipt_are_in_english(english, household, django_capture_on_commit_callbacks):
    data = stored_texts(household)
    for path in ("/pay/", "/pay/history/", "/pay/autopay/"):
        assert_english(english.get(path), data)
    refused = english.post("/pay/", {f"pay_{NUMBER}": "on", f"amount_{NUMBER}": "10,555"})
    assert "Kopecks cannot have more than two digits." in assert_english(refused, data)

    card_page = english.post("/pay/", {f"pay_{NUMBER}": "on", f"amount_{NUMBER}": "100"})["Location"]
    assert_english(english.get(card_page), data)
    with django_capture_on_commit_callbacks(execute=True):
        english.post(card_page, {"card": "4111 1111 1111 1111"})
    payment = Payment.objects.get()
    assert payment.state == Payment.State.SUCCEEDED
    data = stored_texts(household)
    assert "Payment successful" in assert_english(english.get(f"/pay/{payment.pk}/"), data)
    assert_english(english.get(f"/pay/{payment.pk}/state/"), data)
    assert "Fiscal receipt" in assert_english(english.get(f"/pay/{payment.pk}/receipt/"), data)
    assert_english(english.get("/pay/history/"), data)
    assert_english(english.get(f"/a/{NUMBER}/money/"), data)


def test_requests_faq_notifications_and_profile_are_in_english(english, household):
    for path in ("/requests/", "/requests/new/", "/faq/", "/faq/?q=verification", "/faq/?q=nothing-like-it"):
        assert_english(english.get(path), stored_texts(household))
    for kind, spec in KINDS.items():
        if not spec.business_only:
            assert_english(english.get(f"/requests/new/{kind}/"), stored_texts(household))

    refused = english.post("/requests/new/question/", {"account": household.account.pk, "text": " "})
    assert_english(refused, stored_texts(household))
    english.post(
        "/requests/new/question/",
        {"topic": "tariffs", "account": household.account.pk, "text": "Which tariff is cheaper for me?",
         "token": str(uuid.uuid4())},
    )  # fmt: skip
    filed = Request.objects.get()
    with translation.override("en"):
        service_services.answer_request(
            request_id=filed.pk, staff=staff("operator", first_name="Olga"), text="The day/night one."
        )
    data = stored_texts(household) | {filed.subject}
    for path in ("/requests/", f"/requests/{filed.pk}/", "/notifications/", "/profile/", "/profile/tokens/"):
        assert_english(english.get(path), data)
    english.post(f"/requests/{filed.pk}/close/")
    rate = assert_english(english.get(f"/requests/{filed.pk}/"), stored_texts(household) | {filed.subject})
    assert "Rate the answer" in rate

    created = english.post(
        "/profile/tokens/", {"token-name": "Smart home", "token-scope": "read", "token-expires": "30"}
    )
    assert_english(created if created.status_code != 302 else english.get(created["Location"]), data)


def test_the_pages_without_login_are_in_english(client, household):
    choose_english(client)
    for path in ("/login/", "/register/", "/register/account/", "/register/business/", "/password/forgot/",
                 "/login/code/", "/faq/", "/tariffs/", "/readings/", "/api/v1/docs"):  # fmt: skip
        assert_english(client.get(path))
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and not CYRILLIC.findall(schema.content.decode()), "Russian in the schema"
    refused = client.post("/login/", {"username": "+79161234567", "password": "wrong-password-1"})
    assert "Wrong phone number or password." in assert_english(refused)

    # The form without login: the account, then its meters, then the receipt of the readings.
    assert_english(client.post("/readings/", {"number": "6300009999"}))
    assert client.post("/readings/", {"number": NUMBER})["Location"] == "/readings/meters/"
    assert_english(client.get("/readings/meters/"))
    meter = household.meter
    wrong = client.post("/readings/meters/", {f"m{meter.pk}-day": "11000,5", f"m{meter.pk}-night": "5800"})
    assert "digits before the decimal point" in assert_english(wrong)
    done = client.post("/readings/meters/", {f"m{meter.pk}-day": "11000", f"m{meter.pk}-night": "5800"}, follow=True)
    assert "accepted for December 2026" in assert_english(done)


def test_the_bill_pdf_and_the_exports_are_in_english(english, household, pdf_tools):  # noqa: F811
    bill = english.get(f"/a/{NUMBER}/bills/2026-11/pdf")
    assert bill.status_code == 200 and bill["Content-Type"] == "application/pdf"
    text = pdf_text(bill.content)
    assert "Bill No." in text and "Please note" in text
    assert not russian_left(text), russian_left(text)

    dates = {"date_from": "2026-01-01", "date_to": "2026-12-16"}
    statement = pdf_text(english.get(f"/a/{NUMBER}/money/statement", {**dates, "format": "pdf"}).content)
    assert "Reconciliation statement" in statement
    assert not russian_left(statement), russian_left(statement)
    sheet = load_workbook(io.BytesIO(english.get(f"/a/{NUMBER}/money/statement", {**dates, "format": "xlsx"}).content))
    cells = " ".join(str(c.value) for row in sheet.active.iter_rows() for c in row if c.value is not None)
    assert "Reconciliation statement" in cells
    assert not russian_left(cells), russian_left(cells)
    csv = english.get(f"/a/{NUMBER}/money/history.csv").content.decode("utf-8-sig")
    assert "Operation" in csv
    assert not russian_left(csv), russian_left(csv)
    refused = english.get(f"/a/{NUMBER}/money/statement", {"date_from": "2026-12-16", "date_to": "2026-01-01"})
    assert refused.status_code == 400 and not russian_left(refused.content.decode())


def api_client(household, *, language: str | None = None, accept_language: str | None = None) -> Client:
    created = create_token(user=household, name="Home", scope=ApiToken.Scope.WRITE, expires_in_days=30)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {created.raw}")
    if language:
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    if accept_language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return client


def test_api_errors_follow_the_chosen_language_not_the_browsers(household):
    english = api_client(household, language="en")
    missing = english.get("/api/v1/accounts/6300009999/")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not found."
    wrong = english.post(
        f"/api/v1/accounts/{NUMBER}/meters/{household.meter.pk}/readings/preview/",
        {"values": {"day": "11000,5", "night": "5800"}},
        content_type="application/json",
    )
    assert wrong.status_code == 422
    body = wrong.json()
    assert not CYRILLIC.search(str(body)), body
    unsigned = Client(HTTP_COOKIE=f"{django_settings.LANGUAGE_COOKIE_NAME}=en").get(f"/api/v1/accounts/{NUMBER}/")
    assert unsigned.status_code == 401 and not CYRILLIC.search(unsigned.json()["message"])

    # The browser's Accept-Language alone changes nothing: the portal and its API speak Russian by default.
    browser = api_client(household, accept_language="en-US,en;q=0.9")
    assert browser.get("/api/v1/accounts/6300009999/").json()["message"] == "Не найдено."
