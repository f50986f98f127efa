"""Downloading and printing a bill's PDF from the portal's archive: only one's own bills."""

from django.urls import reverse

from tests.factories import MeterFactory, UserFactory, link


def pdf_url(number="6300000101", period="2026-11"):
    return reverse("portal:bill_pdf", args=[number, period])


def test_the_archive_and_the_bill_link_to_the_pdf_which_downloads_with_a_file_name(client, customer, november_bill):
    client.force_login(customer)
    assert pdf_url() in client.get(reverse("portal:bills", args=["6300000101"])).content.decode()
    page = client.get(reverse("portal:bill", args=["6300000101", "2026-11"])).content.decode()
    assert "Скачать PDF" in page and "Печать" in page and pdf_url() in page
    response = client.get(pdf_url() + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="kvitanciya-6300000101-2026-11.pdf"'
    assert response.content.startswith(b"%PDF")
    printed = client.get(pdf_url())
    assert printed["Content-Disposition"] == 'inline; filename="kvitanciya-6300000101-2026-11.pdf"'


def test_another_customers_bill_pdf_is_not_found(client, november_bill):
    stranger = UserFactory(phone="+79160000077")
    link(stranger, MeterFactory(account__number="6300000199").account)
    client.force_login(stranger)
    assert client.get(pdf_url()).status_code == 404
    # Their own account exists, but has no bill for the period: also 404.
    assert client.get(pdf_url("6300000199")).status_code == 404


def test_a_period_without_a_bill_or_an_impossible_month_is_not_found(client, customer, november_bill):
    client.force_login(customer)
    assert client.get(pdf_url(period="2026-10")).status_code == 404
    assert client.get(pdf_url(period="2026-13")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, november_bill):
    response = client.get(pdf_url())
    assert response.status_code == 302 and "/login/" in response["Location"]
