"""E-bills: after a period close every subscriber gets the bill's PDF on a real SMTP server, once."""

import datetime as dt
from email.header import decode_header, make_header

from billing.services import post_payment
from core.models import AuditEntry
from customers.models import AccountLink
from documents.models import EbillDelivery
from documents.qr import parse_payment_text
from documents.services import send_ebill
from documents.tasks import send_ebills
from metering.models import Reading
from tests.documents.conftest import pdf_qr_codes, pdf_text
from tests.factories import MeterFactory, UserFactory, add_submission, history, link


def subscribe(user, account, email):
    user.email, user.email_confirmed = email, True
    user.save()
    AccountLink.objects.filter(user=user, account=account).update(ebill=True)


def test_after_the_close_each_subscriber_receives_the_bill_pdf_once(customer, meter, close, smtp, pdf_tools, zbar):
    subscribe(customer, meter.account, "ivan@example.ru")
    spouse = UserFactory(phone="+79160000002")
    link(spouse, meter.account)
    subscribe(spouse, meter.account, "maria@example.ru")
    unconfirmed = UserFactory(phone="+79160000003", email="nobody@example.ru", email_confirmed=False)
    link(unconfirmed, meter.account)
    AccountLink.objects.filter(user=unconfirmed).update(ebill=True)
    quiet = MeterFactory(account__number="6300000102")  # no subscriber: no e-bill (only "bill ready")
    history(quiet, {"total": 5_000})
    link(UserFactory(phone="+79160000004", email="q@example.ru", email_confirmed=True), quiet.account)
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    post_payment(account=meter.account, amount="300.00", paid_on=dt.date(2026, 11, 25), reference="pay")

    close("2026-11")  # the close's end starts the e-bills (Celery, in-process here)

    ebills = [(to, message) for to, message in smtp.messages if message.is_multipart()]
    assert sorted(to for to, _message in ebills) == [["ivan@example.ru"], ["maria@example.ru"]]
    # Subscribers are not mailed "bill ready" next to their bill; the quiet account's user is.
    assert sorted(to for to, message in smtp.messages if not message.is_multipart()) == [["q@example.ru"]]
    _to, message = ebills[0]
    assert str(make_header(decode_header(message["Subject"]))).strip() == "Счёт за ноябрь 2026, лицевой счёт 6300000101"
    body, attachment = message.get_payload()
    assert "К оплате: 1\u00a0200,00\u00a0₽ до 15.12.2026" in body.get_payload(decode=True).decode()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "kvitanciya-6300000101-2026-11.pdf"
    pdf = attachment.get_payload(decode=True)
    assert "Итого к оплате 1 200,00 ₽" in " ".join(pdf_text(pdf).split())
    assert parse_payment_text(pdf_qr_codes(pdf, zbar)[0])["Sum"] == "120000"
    delivery = EbillDelivery.objects.get()
    assert delivery.recipients == ["ivan@example.ru", "maria@example.ru"]
    assert AuditEntry.objects.filter(action="documents.ebill_sent").count() == 1

    # A repeated run of the task (a retried chunk, a second worker) sends nothing again.
    assert send_ebills("2026-11") == 0
    assert send_ebill(bill_id=delivery.bill_id) is False
    assert len(smtp.messages) == 3


def test_without_subscribers_nothing_is_sent(meter, close, smtp):
    close("2026-11")
    assert smtp.messages == []
    assert not EbillDelivery.objects.exists()


def test_a_chunk_of_several_bills_sends_each_its_own_pdf_once(customer, meter, close, smtp, pdf_tools):
    from documents.services import send_ebills_of

    other = MeterFactory(account__number="6300000102")
    history(other, {"total": 5_000})
    link(customer, other.account)
    subscribe(customer, meter.account, "ivan@example.ru")
    AccountLink.objects.filter(user=customer, account=other.account).update(ebill=True)
    add_submission(meter, dt.date(2026, 11, 20), {"total": 11_450}, state=Reading.State.ACCEPTED)
    add_submission(other, dt.date(2026, 11, 20), {"total": 5_300}, state=Reading.State.ACCEPTED)
    AccountLink.objects.update(ebill=False)  # the close sends nothing: the chunk is run below
    close("2026-11")
    AccountLink.objects.update(ebill=True)
    bills = list(meter.account.bills.all()) + list(other.account.bills.all())

    assert send_ebills_of([bill.pk for bill in bills]) == 2
    assert send_ebills_of([bill.pk for bill in bills]) == 0  # a retried chunk
    attachments = {}
    # Not yet subscribed during the close, the customer was also e-mailed "bill ready" (no attachment).
    for _to, message in (m for m in smtp.messages if m[1].is_multipart()):
        _body, attachment = message.get_payload()
        attachments[attachment.get_filename()] = " ".join(pdf_text(attachment.get_payload(decode=True)).split())
    assert sorted(attachments) == ["kvitanciya-6300000101-2026-11.pdf", "kvitanciya-6300000102-2026-11.pdf"]
    for bill in bills:
        text = attachments[f"kvitanciya-{bill.account.number}-2026-11.pdf"]
        assert f"Счёт (квитанция) № {bill.number}" in text
    assert "11200 11450 250" in attachments["kvitanciya-6300000101-2026-11.pdf"]
    assert "11200" not in attachments["kvitanciya-6300000102-2026-11.pdf"]
