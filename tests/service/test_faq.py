"""The public FAQ: households and businesses each see their questions and those for everyone; the
search finds words whatever their case or ё; staff edit the entries in the back office."""

from __future__ import annotations

import pytest
from django.urls import reverse

from service.demo import seed_faq
from service.models import FaqEntry
from service.selectors import faq
from tests.backoffice.staff import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    seed_faq()
    FaqEntry.objects.create(question="Черновик: как работает АСКУЭ?", answer="Скоро", published=False)


def questions(response) -> str:
    return response.content.decode()


def test_households_and_businesses_see_their_own_questions_and_common_ones(client, entries):
    household = questions(client.get(reverse("service:faq")))
    business = questions(client.get(reverse("service:faq"), {"for": "business"}))
    assert "Когда передавать показания счётчика?" in household and "Где взять акт сверки?" not in household
    assert "Где взять акт сверки?" in business and "Когда передавать показания счётчика?" not in business
    common = "Как добавить лицевой счёт в личный кабинет?"
    assert common in household and common in business
    assert "Черновик" not in household + business


@pytest.mark.parametrize("query", ["поверку", "ПОВЕРКУ", "Поверку счетчика", "счётчика поверк"])
def test_search_ignores_case_and_yo_and_matches_word_beginnings(entries, query):
    found = [entry.question for entry in faq(audience="household", query=query)]
    assert found[0] == "Как заказать поверку или замену счётчика?"


def test_every_word_must_match_and_nothing_found_says_so(client, entries):
    assert faq(audience="household", query="пени поверка") == []
    page = questions(client.get(reverse("service:faq"), {"q": "квазар"}))
    assert "По запросу «квазар» ничего не найдено." in page


def test_search_answers_htmx_with_the_results_only(client, entries):
    response = client.get(reverse("service:faq"), {"q": "пени"}, HTTP_HX_REQUEST="true")
    page = questions(response)
    assert page.startswith('<section id="faq-results"') and "Как считаются пени?" in page and "<html" not in page


def test_the_faq_is_open_without_login_and_points_to_the_hotline(client, entries):
    page = questions(client.get(reverse("service:faq")))
    assert "Частые вопросы" in page and "8 800 000-00-00" in page


def test_operators_edit_the_faq_and_inspectors_may_not(client, entries):
    client.force_login(staff("operator"))
    response = client.post(
        reverse("admin:service_faqentry_add"),
        {"audience": "all", "topic": "Оплата", "question": "Можно ли платить картой?", "answer": "Да.", "position": 5,
         "published": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert faq(audience="business", query="картой")[0].answer == "Да."

    client.force_login(staff("inspector"))
    assert client.get(reverse("admin:service_faqentry_add")).status_code == 403
    entry = FaqEntry.objects.get(question="Можно ли платить картой?")
    assert client.post(reverse("admin:service_faqentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert FaqEntry.objects.filter(pk=entry.pk).exists()


def test_searching_is_limited_per_address(client, entries, monkeypatch):
    monkeypatch.setattr("service.views.FAQ_PER_MINUTE", 2)
    for _ in range(2):
        assert client.get(reverse("service:faq"), {"q": "пени"}).status_code == 200
    response = client.get(reverse("service:faq"), {"q": "пени"})
    assert response.status_code == 429 and "Подождите минуту" in response.content.decode()
    assert client.get(reverse("service:faq"), REMOTE_ADDR="10.9.9.9").status_code == 200
