"""Support requests through the API: filing each kind (JSON, or multipart with files), the portal's
own form rules and attachment checks, the request with its history and thread, reply, close, rate,
download; another customer's request or file is 404; a read-only key files nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import AuditEntry
from service import services
from service.models import Attachment, Request
from tests.api.conftest import Api
from tests.factories import UserFactory, link
from tests.service.files import jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path, send_now):
    settings.SERVICE_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def staff(db):
    return UserFactory(phone="+79990000099", is_staff=True, is_superuser=True, first_name="Анна")


def photo(name="meter.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def question(api, **extra):
    return api.post("/requests/", {"kind": "question", "topic": "charges", "text": "Почему так много?", **extra})


def answered(api, staff, **extra):
    filed = question(api, **extra).json()
    services.answer_request(request_id=filed["id"], staff=staff, text="Потому что зима.")
    return filed["id"]


# --- Filing ---------------------------------------------------------------------------------------


def test_a_question_without_an_account_is_filed_and_audited_as_api(api, customer):
    response = question(api)
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["status"], body["account"], body["subject"]) == (
        "question", "new", None, "Вопрос: начисления и оплата",
    )  # fmt: skip
    assert body["details_rows"] == [{"label": "Тема", "value": "начисления и оплата"}]
    assert [step["to_status"] for step in body["status_history"]] == ["new"]
    assert AuditEntry.objects.get(action="service.request_filed").channel == "api"
    assert Request.objects.get().user == customer


def test_a_complaint_names_its_account_by_number(api):
    response = api.post(
        "/requests/", {"kind": "complaint", "title": "Не пришла квитанция", "text": "…", "account": "6300000101"}
    )
    assert response.status_code == 201
    assert response.json()["account"] == "6300000101"


def test_an_account_that_is_not_yours_is_refused_by_the_form(api, stranger):
    response = question(api, account=stranger.account.number)
    assert response.status_code == 422
    assert response.json()["field"] == "account"
    assert not Request.objects.exists()


def test_a_verification_takes_the_customers_phone_unless_another_is_given(api, meter):
    tomorrow = dt.date(2026, 11, 21)
    data = {"kind": "verification", "meter": meter.pk, "preferred_from": str(tomorrow), "preferred_to": "2026-11-30"}
    first = api.post("/requests/", data)
    assert first.status_code == 201
    assert first.json()["details"]["contact_phone"] == "+79161234567"
    second = api.post(
        "/requests/", {**data, "kind": "replacement", "reason": "broken", "contact_phone": "8 916 000-11-22"}
    )
    assert second.status_code == 201
    assert second.json()["details"] == {
        "reason": "broken", "preferred_from": "2026-11-21", "preferred_to": "2026-11-30", "contact_phone": "+79160001122",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"preferred_from": "2026-11-20"}, "preferred_from", "не раньше завтрашнего дня"),
        ({"preferred_to": "2026-11-22"}, "preferred_to", "раньше начальной"),
        ({"preferred_to": "2027-06-01"}, "preferred_to", "ближайшие 90 дней"),
    ],
)
def test_visit_dates_follow_the_portals_rules(api, meter, extra, field, message):
    data = {"kind": "verification", "meter": meter.pk, "preferred_from": "2026-11-23", "preferred_to": "2026-11-30"}
    response = api.post("/requests/", {**data, **extra})
    assert response.status_code == 422
    assert response.json()["field"] == field and message in response.json()["message"]


def test_a_correction_needs_a_photo_and_the_right_value_for_each_zone(api, meter):
    without = api.post("/requests/", {"kind": "correction", "meter": meter.pk, "value_total": "11300"})
    assert without.status_code == 422
    assert without.json()["field"] == "uploads"
    assert "Приложите фото счётчика" in without.json()["message"]
    fraction = api.post_form(
        "/requests/", {"kind": "correction", "meter": meter.pk, "value_total": "11300,5", "uploads": [photo()]}
    )
    assert fraction.status_code == 422
    assert fraction.json()["field"] == "value_total"
    filed = api.post_form(
        "/requests/",
        {"kind": "correction", "meter": meter.pk, "value_total": "11300", "reading_date": "2026-10-20",
         "uploads": [photo(), SimpleUploadedFile("act.pdf", pdf_bytes())]},
    )  # fmt: skip
    assert filed.status_code == 201
    body = filed.json()
    assert body["details"] == {"values": {"total": 11300}, "reading_date": "2026-10-20"}
    assert [(a["name"], a["content_type"]) for a in body["attachments"]] == [
        ("meter.jpg", "image/jpeg"), ("act.pdf", "application/pdf"),
    ]  # fmt: skip


def test_a_file_is_checked_by_its_content_as_in_the_portal(api):
    response = api.post_form(
        "/requests/",
        {"kind": "question", "topic": "other", "text": "См. файл",
         "uploads": [SimpleUploadedFile("scan.jpg", pdf_bytes(), content_type="image/jpeg")]},
    )  # fmt: skip
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("attachment_mismatch", "uploads")
    assert "на самом деле это PDF" in response.json()["message"]
    assert not Request.objects.exists() and not Attachment.objects.exists()


def test_contract_questions_are_for_business_users_only(api, customer):
    data = {"kind": "contract", "contract_number": "Д-1", "topic": "amend", "text": "Изменить мощность"}
    response = api.post("/requests/", data)
    assert response.status_code == 422
    assert response.json()["code"] == "request_business_only"
    assert "contract" not in [k["kind"] for k in api.get("/requests/kinds/").json()["kinds"]]
    from customers.models import BusinessApplication

    customer.kind = "business"
    customer.save()
    BusinessApplication.objects.create(
        user=customer, organization="ООО Ромашка", inn="7707083893", kpp="773601001", contract_number="Д-1",
        status=BusinessApplication.Status.APPROVED,
    )  # fmt: skip
    assert "contract" in [k["kind"] for k in api.get("/requests/kinds/").json()["kinds"]]
    assert api.post("/requests/", data).status_code == 201


def test_json_types_are_strict(api, meter):
    response = api.post("/requests/", {"kind": "verification", "meter": str(meter.pk)})
    assert response.status_code == 422
    assert response.json()["field"] == "meter"
    assert question(api, text=5).status_code == 422


def test_filing_is_limited_per_hour_like_the_portal(api, settings):
    settings.SERVICE_REQUESTS_PER_HOUR = 2
    assert [question(api).status_code for _ in range(3)] == [201, 201, 429]
    refused = question(api)
    assert refused.json()["code"] == "request_rate_limited" and refused["Retry-After"] == "3600"


def test_the_same_upload_retried_with_its_key_files_one_request(api):
    data = {"kind": "question", "topic": "other", "text": "См. фото"}
    first = api.post_form("/requests/", {**data, "uploads": [photo()]}, key="upload-1")
    again = api.post_form("/requests/", {**data, "uploads": [photo()]}, key="upload-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    other = api.post_form(
        "/requests/", {**data, "uploads": [SimpleUploadedFile("meter.jpg", jpeg_bytes((80, 60)))]}, key="upload-1"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"  # same name, other file
    assert Request.objects.count() == 1 and Attachment.objects.count() == 1


def test_other_bodies_than_json_and_multipart_are_refused(api):
    response = api.client.post(
        "/api/v1/requests/", "kind=question", content_type="text/plain", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["message"]


def test_a_session_needs_the_csrf_token_for_an_upload_too(customer, meter, today):
    app = Api(Client(enforce_csrf_checks=True))
    app.client.force_login(customer)
    response = app.post_form("/requests/", {"kind": "question", "topic": "other", "text": "?", "uploads": [photo()]})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


# --- Reading, the thread, reply, close, rate -----------------------------------------------------


def test_the_list_is_paginated_and_filtered_by_status(api, staff):
    answered(api, staff)
    question(api)
    everything = api.get("/requests/").json()
    assert everything["count"] == 2
    assert [r["status"] for r in everything["results"]] == ["new", "answered"]
    only = api.get("/requests/", {"status": "answered"}).json()
    assert [r["answers"] for r in only["results"]] == [1]
    assert api.get("/requests/", {"status": "lost"}).status_code == 422
    assert api.get("/requests/", {"page_size": 1, "page": 2}).json()["results"][0]["status"] == "answered"


def test_the_detail_has_the_history_and_the_staff_answer(api, staff):
    request_id = answered(api, staff)
    body = api.get(f"/requests/{request_id}/").json()
    assert [s["to_status"] for s in body["status_history"]] == ["new", "answered"]
    assert body["status_history"][1]["by_staff"] is True
    assert [(m["author"], m["text"]) for m in body["thread"]] == [("Специалист Анна", "Потому что зима.")]
    assert body["can_reply"] is True and body["can_rate"] is False


def test_a_reply_with_a_file_puts_an_answered_request_back_in_work(api, staff):
    request_id = answered(api, staff)
    response = api.post_form(f"/requests/{request_id}/messages/", {"text": "А если летом?", "uploads": [photo()]})
    assert response.status_code == 201
    assert response.json()["author"] == "Вы" and response.json()["attachments"][0]["name"] == "meter.jpg"
    assert api.get(f"/requests/{request_id}/").json()["status"] == "in_work"
    assert api.post(f"/requests/{request_id}/messages/", {"text": "  "}).json()["field"] == "text"


def test_closing_then_rating_once(api, staff):
    request_id = answered(api, staff)
    assert api.post(f"/requests/{request_id}/rating/", {"score": 5}).json()["code"] == "rating_not_closed"
    closed = api.post(f"/requests/{request_id}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["can_rate"]
    assert api.post(f"/requests/{request_id}/messages/", {"text": "ещё"}).json()["code"] == "request_closed"
    assert api.post(f"/requests/{request_id}/rating/", {"score": 6}).status_code == 422
    rated = api.post(f"/requests/{request_id}/rating/", {"score": 4, "comment": "Спасибо"})
    assert rated.status_code == 200
    assert (rated.json()["rating"], rated.json()["rating_comment"]) == (4, "Спасибо")
    assert api.post(f"/requests/{request_id}/rating/", {"score": 1}).json()["code"] == "rating_done"
    assert AuditEntry.objects.get(action="service.request_rated").channel == "api"


def test_the_owner_downloads_a_picture_inline_and_a_pdf_as_a_file(api):
    body = api.post_form(
        "/requests/",
        {"kind": "question", "topic": "other", "text": "См.", "uploads": [photo(), SimpleUploadedFile("a.pdf", pdf_bytes())]},
    ).json()  # fmt: skip
    picture, document = (api.get(a["url"].removeprefix("/api/v1")) for a in body["attachments"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert picture.getvalue()[:2] == b"\xff\xd8"
    assert picture["X-Content-Type-Options"] == "nosniff" and "sandbox" in picture["Content-Security-Policy"]
    assert document["Content-Type"] == "application/pdf"
    assert document["Content-Disposition"].startswith('attachment; filename="a.pdf"')


# --- Another customer's, and scopes ----------------------------------------------------------------


@pytest.fixture
def strangers_request(stranger):
    return services.file_request(
        user=stranger, kind="question", subject="Вопрос", text="Мой вопрос", files=[], account=stranger.account
    )


def test_another_customers_request_and_its_files_are_404_everywhere(api, strangers_request, stranger):
    from service.attachments import inspect

    services.add_customer_message(request_id=strangers_request.pk, user=stranger, text="фото", files=[inspect(photo())])
    attachment = Attachment.objects.get()
    rid = strangers_request.pk
    answers = [
        api.get(f"/requests/{rid}/"),
        api.post(f"/requests/{rid}/messages/", {"text": "чужое"}),
        api.post(f"/requests/{rid}/close/"),
        api.post(f"/requests/{rid}/rating/", {"score": 5}),
        api.get(f"/requests/{rid}/attachments/{attachment.pk}/"),
        api.get(f"/requests/{rid + 1000}/"),  # a missing one answers the same
    ]
    assert {r.status_code for r in answers} == {404}
    assert {r.json()["code"] for r in answers} == {"not_found"}
    assert api.get("/requests/").json()["count"] == 0
    strangers_request.refresh_from_db()
    assert strangers_request.status == "new" and strangers_request.messages.count() == 1


def test_an_own_request_does_not_open_another_requests_file(api, strangers_request, stranger):
    from service.attachments import inspect

    services.add_customer_message(request_id=strangers_request.pk, user=stranger, text="фото", files=[inspect(photo())])
    own = question(api).json()["id"]
    assert api.get(f"/requests/{own}/attachments/{Attachment.objects.get().pk}/").status_code == 404


def test_a_relative_on_the_same_account_does_not_see_the_request(api, meter):
    question(api, account="6300000101")
    relative = UserFactory(phone="+79167770000")
    link(relative, meter.account)
    other = Api(Client())
    other.client.force_login(relative)
    assert other.get("/requests/").json()["count"] == 0


def test_a_read_only_key_reads_but_files_replies_closes_and_rates_nothing(reader, api, staff):
    request_id = answered(api, staff)
    refusals = [
        question(reader),
        reader.post_form("/requests/", {"kind": "question", "topic": "other", "text": "?", "uploads": [photo()]}),
        reader.post(f"/requests/{request_id}/messages/", {"text": "ещё"}),
        reader.post(f"/requests/{request_id}/close/"),
        reader.post(f"/requests/{request_id}/rating/", {"score": 5}),
    ]
    assert {(r.status_code, r.json()["code"]) for r in refusals} == {(403, "token_read_only")}
    assert reader.get(f"/requests/{request_id}/").status_code == 200
    assert Request.objects.count() == 1
