"""One search box for staff: what was typed is read as every kind of key it could be.

- ten digits: an account number (and, if it is a mobile number, a phone);
- a phone in any spelling (``8 (999) 000-00-01``, ``+7 999 000 00 01``...): normalised by
  ``identity.phones`` and matched against customers' and portal users' phones;
- ten or twelve digits: an INN (ten only when no account has that number);
- a meter's serial number (exactly; its beginning, from four characters, when nothing else matched);
- words (not a single token with digits, which is a code): all of them in the premise's address, or
  in the customer's name or organisation.

SQLite compares only ASCII letters without case, so on SQLite a word is also tried lower-case,
upper-case and capitalised (how people type addresses and names); PostgreSQL folds any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from customers.models import Account, AccountLink, Customer
from identity.models import User
from identity.phones import normalize_phone
from metering.models import Meter

LIMIT = 100
_WORDS = re.compile(r"[\w\-]+", re.UNICODE)


@dataclass
class SearchResult:
    customer_ids: list[int] = field(default_factory=list)
    users: list[User] = field(default_factory=list)  # portal users whose phone matched
    matched: list[str] = field(default_factory=list)  # what the text was read as


def _contains(name: str, word: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(**{f"{name}__icontains": word})
    variants = {word, word.lower(), word.upper(), word.capitalize()}
    return reduce(or_, (Q(**{f"{name}__contains": v}) for v in variants))


def _words(text: str) -> list[str]:
    return [w for w in _WORDS.findall(text) if len(w) > 1]


def find(text: str) -> SearchResult:
    query = (text or "").strip()[:200]
    result = SearchResult()
    if not query:
        return result
    compact = re.sub(r"[\s\-()]", "", query)
    found: dict[int, None] = {}  # customer ids in the order they were found

    def add(ids, label) -> None:
        ids = [i for i in ids if i is not None]
        if ids:
            result.matched.append(str(label))
            for i in ids:
                found.setdefault(i, None)

    if re.fullmatch(r"\d{10}", compact):
        add(Account.objects.filter(number=compact).values_list("customer_id", flat=True), _("номер лицевого счёта"))
    try:
        phone = normalize_phone(query)
    except DomainError:
        phone = ""
    if phone:
        result.users = list(User.objects.filter(phone=phone))
        ids = list(Customer.objects.filter(phone=phone).values_list("id", flat=True))
        ids += AccountLink.objects.filter(user__phone=phone).values_list("account__customer_id", flat=True)
        add(ids, _("телефон"))
    # INN has no index: looked up only when the digits were not an account number.
    if re.fullmatch(r"\d{12}", compact) or (re.fullmatch(r"\d{10}", compact) and not found):
        add(Customer.objects.filter(inn=compact).values_list("id", flat=True), _("ИНН"))
    if re.fullmatch(r"[\w\-/]{3,40}", compact):
        # Exact serials through the index; a serial's beginning (a scan) only when nothing else matched.
        serials = Meter.objects.filter(serial__in={compact, compact.upper()})
        if not serials.exists() and not found and len(compact) >= 4:
            serials = Meter.objects.filter(Q(serial__startswith=compact) | Q(serial__startswith=compact.upper()))
        add(serials.values_list("account__customer_id", flat=True)[:LIMIT], _("заводской номер счётчика"))
    words = _words(query)
    code_like = len(words) == 1 and any(ch.isdigit() for ch in words[0])  # "S7000050123": a serial, not a street
    if words and not code_like and any(ch.isalpha() for ch in query):
        address = reduce(and_, (_contains("premise__address", w) for w in words))
        add(Account.objects.filter(address).values_list("customer_id", flat=True)[:LIMIT], _("адрес"))
        names = reduce(
            and_,
            (
                _contains("last_name", w)
                | _contains("first_name", w)
                | _contains("middle_name", w)
                | _contains("organization", w)
                for w in words
            ),
        )
        add(Customer.objects.filter(names).values_list("id", flat=True)[:LIMIT], _("ФИО или организация"))
    result.customer_ids = list(found)[:LIMIT]
    return result
