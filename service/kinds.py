"""The kinds of requests: what each one is called, who may file it, what it needs, and how its
``details`` read to people (the customer's page and the back office show the same rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from metering.zones import zone_label

from .models import Request

Kind = Request.Kind


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title: Promise
    description: Promise
    needs_meter: bool = False
    needs_photo: bool = False  # at least one image among the attachments
    business_only: bool = False


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            Kind.VERIFICATION,
            _("Внеочередная поверка счётчика"),
            _("Счётчик вызывает сомнения: специалист приедет и проверит его в удобные вам дни."),
            needs_meter=True,
        ),
        KindSpec(
            Kind.REPLACEMENT,
            _("Замена счётчика"),
            _("Счётчик сломан, истёк срок поверки или вы хотите многотарифный: согласуем замену."),
            needs_meter=True,
        ),
        KindSpec(
            Kind.CORRECTION,
            _("Исправление показаний"),
            _("В переданных показаниях ошибка: укажите верные значения и приложите фото счётчика."),
            needs_meter=True,
            needs_photo=True,
        ),
        KindSpec(
            Kind.QUESTION,
            _("Вопрос специалисту"),
            _("О начислениях, тарифах, оплате или личном кабинете."),
        ),
        KindSpec(
            Kind.COMPLAINT,
            _("Жалоба"),
            _("Если что-то сделано не так: разберёмся и ответим."),
        ),
        KindSpec(
            Kind.CONTRACT,
            _("Вопрос по договору"),
            _("Для юридических лиц: заключение, изменение, расторжение договора, акты сверки."),
            business_only=True,
        ),
    )
}


def kinds_for(user: Any) -> list[KindSpec]:
    """The kinds a user may file: business contract questions only for business users."""
    is_business = getattr(user, "kind", "") == "business"
    return [spec for spec in KINDS.values() if is_business or not spec.business_only]


REPLACEMENT_REASONS = {
    "broken": _("счётчик неисправен"),
    "verification": _("истёк срок поверки"),
    "zones": _("хочу многотарифный счётчик"),
    "other": _("другое"),
}
QUESTION_TOPICS = {
    "charges": _("начисления и оплата"),
    "readings": _("показания и счётчики"),
    "tariffs": _("тарифы"),
    "cabinet": _("личный кабинет"),
    "other": _("другое"),
}
CONTRACT_TOPICS = {
    "conclude": _("заключение договора"),
    "amend": _("изменение условий"),
    "terminate": _("расторжение"),
    "reconciliation": _("акт сверки"),
    "volumes": _("объёмы и начисления"),
    "other": _("другое"),
}


def _date(value: str) -> str:
    try:
        return f"{dt.date.fromisoformat(value):%d.%m.%Y}"
    except (TypeError, ValueError):
        return str(value)


def details_rows(request: Request) -> list[tuple[str, str]]:
    """The request's details as (label, text) rows, in the order the form asked for them."""
    details = request.details or {}
    rows: list[tuple[str, str]] = []
    if "reason" in details:
        rows.append((str(_("Причина замены")), str(REPLACEMENT_REASONS.get(details["reason"], details["reason"]))))
    if "contract_number" in details:
        rows.append((str(_("Номер договора")), details["contract_number"]))
    if "topic" in details:
        topics = CONTRACT_TOPICS if request.kind == Kind.CONTRACT else QUESTION_TOPICS
        rows.append((str(_("Тема")), str(topics.get(details["topic"], details["topic"]))))
    if "reading_date" in details:
        rows.append((str(_("Дата ошибочных показаний")), _date(details["reading_date"])))
    if "values" in details:
        values = ", ".join(f"{zone_label(zone)}: {value}" for zone, value in details["values"].items())
        rows.append((str(_("Верные показания")), values))
    if "preferred_from" in details:
        rows.append(
            (
                str(_("Удобные даты визита")),
                str(_("с %(start)s по %(end)s"))
                % {"start": _date(details["preferred_from"]), "end": _date(details.get("preferred_to", ""))},
            )
        )
    if "contact_phone" in details:
        rows.append((str(_("Контактный телефон")), details["contact_phone"]))
    return rows
