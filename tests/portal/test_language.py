"""English is the portal's second language: switched with /i18n/setlang/, Russian by default."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from core.demo import seed_tariffs

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


@pytest.fixture(autouse=True)
def _no_language_leak():
    """The test client leaves the last request's language active in this thread; put the previous one back."""
    with translation.override(translation.get_language()):
        yield


def html_lang(response) -> str:
    match = re.search(r'<html lang="([\w-]+)">', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def switch_to(client: Client, language: str, next_url: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def test_russian_is_the_default(client):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9"}):
        page = client.get("/login/", **headers)
        text = page.content.decode()
        assert html_lang(page) == "ru"
        assert "Вход в личный кабинет" in text
        assert "Мобильный телефон" in text
        assert "Log in" not in text
        # The switch offers the other language.
        assert 'name="language" value="en"' in text


def test_login_page_in_english(client):
    switch_to(client, "en", "/login/")

    page = client.get("/login/")
    text = page.content.decode()
    assert html_lang(page) == "en"
    assert "<title>Log in — " in text
    assert "Log in to your account" in text
    assert "Mobile phone" in text
    assert "Tariffs" in text and "Hotline" in text
    assert "Вход в личный кабинет" not in text and "Мобильный телефон" not in text
    assert 'name="language" value="ru"' in text

    # Form errors are translated too.
    refused = client.post("/login/", {"username": "12345", "password": "whatever-1234"}).content.decode()
    assert "Enter a mobile number with 10 digits after +7" in refused


def test_tariffs_page_in_english_and_back_to_russian(client):
    seed_tariffs()
    switch_to(client, "en", "/tariffs/")

    text = client.get("/tariffs/").content.decode()
    assert "Electricity tariffs" in text
    assert "Prices per 1 kWh including VAT, valid on" in text
    assert "Price, ₽/kWh" in text
    assert "Three-zone (peak/semi-peak/night)" in text
    assert "Semi-peak" in text
    assert "Тарифы на электроэнергию" not in text

    switch_to(client, "ru", "/tariffs/")
    text = client.get("/tariffs/").content.decode()
    assert "Тарифы на электроэнергию" in text
    assert "Трёхзонный (пик/полупик/ночь)" in text


def _po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file: msgid and msgstr, or for a plural msgid, msgid_plural and msgstr[0..1]
    (no contexts are used in this project)."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgid", "msgstr")):
            key, _, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            if current["msgid"]:  # not the header
                entries.append(current)
            current = {}
    return entries


def _forms(entry: dict[str, str]) -> list[tuple[str, str]]:
    """(source, translation) of each form of an entry."""
    if "msgid_plural" in entry:
        return [(entry["msgid"], entry["msgstr[0]"]), (entry["msgid_plural"], entry["msgstr[1]"])]
    return [(entry["msgid"], entry["msgstr"])]


def test_every_message_is_translated_and_compiled():
    """The .po is complete and the committed .mo is compiled from it (a fresh machine may lack gettext)."""
    entries = _po_entries(LOCALE_DIR / "django.po")
    assert len(entries) > 100
    untranslated = [source for entry in entries for source, english in _forms(entry) if not english]
    assert not untranslated
    assert "#, fuzzy" not in (LOCALE_DIR / "django.po").read_text(encoding="utf-8")  # fuzzy ones are not compiled
    for entry in entries:
        for source, english in _forms(entry):
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(english)), source
    with (LOCALE_DIR / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    stale = [
        entry["msgid"]
        for entry in entries
        if (
            [catalog.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            if "msgid_plural" in entry
            else [catalog.gettext(entry["msgid"])]
        )
        != [english for _, english in _forms(entry)]
    ]
    assert not stale, "django.mo is out of date: run manage.py compilemessages -l en"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (apt-get install gettext)")
def test_every_message_in_the_code_is_in_the_catalogue(tmp_path):
    """makemessages over a copy of the sources adds no message the committed .po lacks."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        root, copy, ignore=shutil.ignore_patterns(".*", "var", "node_modules", "__pycache__", "*.sqlite3", "tests")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy, check=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "abonent.settings"},
    )  # fmt: skip
    committed = {entry["msgid"] for entry in _po_entries(LOCALE_DIR / "django.po")}
    found = {entry["msgid"] for entry in _po_entries(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    assert sorted(found - committed) == [], "run manage.py makemessages -l en and translate the new messages"


def test_an_english_browser_still_gets_russian_until_the_customer_switches(client: Client) -> None:
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert html_lang(response) == "ru"
    assert "Вход в личный кабинет" in response.content.decode()
