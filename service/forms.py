"""A form per kind of request, the reply and rating forms. Forms parse and ask; the rules (who may
file what, a photo for a correction, the limits) are in ``services`` and ``attachments``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.forms import DateField
from customers.models import Account
from customers.selectors import accounts_for_user
from identity.forms import PhoneField
from metering import rules
from metering.models import Meter
from metering.zones import zone_label

from . import attachments
from .kinds import CONTRACT_TOPICS, KINDS, QUESTION_TOPICS, REPLACEMENT_REASONS, KindSpec
from .models import Request

TEXT_MAX = 4000
VISIT_DAYS_AHEAD = 90


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list of :class:`attachments.CheckedFile`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(attachments.accepted_extensions()), "multiple": True})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[attachments.CheckedFile]:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        try:
            return attachments.inspect_all(uploads)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


def _files_field(**kwargs: Any) -> MultipleFileField:
    kwargs.setdefault("label", gettext_lazy("Файлы"))
    return MultipleFileField(help_text=lazy(attachments.accepted_description, str)(), **kwargs)


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.number} — {obj.premise.address}"


class MeterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meter) -> str:
        return _("№ %(serial)s, счёт %(number)s, %(address)s") % {
            "serial": obj.serial,
            "number": obj.account.number,
            "address": obj.account.premise.address,
        }


def _text_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": gettext_lazy("Не больше %(limit_value)d символов.")},
    )


def user_meters(user: Any):
    return (
        Meter.objects.filter(account__links__user=user, status=Meter.Status.ACTIVE)
        .select_related("account__premise")
        .order_by("account__number", "serial")
    )


class RequestForm(forms.Form):
    """What every kind has: the form's one-time token and the attachments; subclasses add the rest."""

    kind: str = ""
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound and "token" not in self.initial:
            self.initial["token"] = uuid.uuid4()
        if "account" in self.fields:
            field = self.fields["account"]
            field.queryset = accounts_for_user(user)  # type: ignore[attr-defined]
            if len(field.queryset) == 1 and field.required:  # type: ignore[attr-defined]
                self.initial.setdefault("account", field.queryset[0].pk)  # type: ignore[attr-defined]
        if "meter" in self.fields:
            meters = user_meters(user)
            self.fields["meter"].queryset = meters  # type: ignore[attr-defined]
            if len(meters) == 1:
                self.initial.setdefault("meter", meters[0].pk)

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    def subject(self) -> str:
        meter = self.cleaned_data.get("meter")
        return f"{self.spec.title} № {meter.serial}" if meter else str(self.spec.title)

    def details(self) -> dict[str, Any]:
        return {}

    def filing(self) -> dict[str, Any]:
        """The keyword arguments of ``services.file_request`` from the cleaned form."""
        data = self.cleaned_data
        return {
            "kind": self.kind,
            "subject": self.subject(),
            "text": data.get("text", ""),
            "account": data.get("account"),
            "meter": data.get("meter"),
            "details": self.details(),
            "files": data.get("uploads", []),
            "client_token": data.get("token"),
        }

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class VisitMixin(forms.Form):
    preferred_from = DateField(label=gettext_lazy("Удобно с"))
    preferred_to = DateField(label=gettext_lazy("Удобно по"))
    contact_phone = PhoneField(label=gettext_lazy("Контактный телефон"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("preferred_from"), data.get("preferred_to")
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        if start and start < tomorrow:
            self.add_error("preferred_from", _("Визит можно назначить не раньше завтрашнего дня."))
        if start and end and end < start:
            self.add_error("preferred_to", _("Конечная дата раньше начальной: поменяйте их местами."))
        if end and end > timezone.localdate() + dt.timedelta(days=VISIT_DAYS_AHEAD):
            self.add_error("preferred_to", _("Выберите даты в ближайшие %(days)s дней.") % {"days": VISIT_DAYS_AHEAD})
        return data

    def visit_details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "preferred_from": data["preferred_from"].isoformat(),
            "preferred_to": data["preferred_to"].isoformat(),
            "contact_phone": data["contact_phone"],
        }


class VerificationForm(VisitMixin, RequestForm):
    kind = Request.Kind.VERIFICATION
    field_order = ["meter", "preferred_from", "preferred_to", "contact_phone", "text", "uploads"]
    meter = MeterChoiceField(label=gettext_lazy("Счётчик"), queryset=Meter.objects.none())
    text = _text_field(gettext_lazy("Что вызывает сомнения (необязательно)"), required=False)
    uploads = _files_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("contact_phone", self.user.phone)

    def details(self) -> dict[str, Any]:
        return self.visit_details()


class ReplacementForm(VisitMixin, RequestForm):
    kind = Request.Kind.REPLACEMENT
    field_order = ["meter", "reason", "preferred_from", "preferred_to", "contact_phone", "text", "uploads"]
    meter = MeterChoiceField(label=gettext_lazy("Счётчик"), queryset=Meter.objects.none())
    reason = forms.ChoiceField(label=gettext_lazy("Причина замены"), choices=list(REPLACEMENT_REASONS.items()))
    text = _text_field(gettext_lazy("Комментарий (необязательно)"), required=False)
    uploads = _files_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("contact_phone", self.user.phone)

    def details(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"], **self.visit_details()}


class CorrectionForm(RequestForm):
    """The meter, the right value of each of its zones, the date of the wrong reading, a photo."""

    kind = Request.Kind.CORRECTION
    meter = MeterChoiceField(label=gettext_lazy("Счётчик"), queryset=Meter.objects.none())
    reading_date = DateField(label=gettext_lazy("Дата ошибочных показаний (если знаете)"))
    text = _text_field(gettext_lazy("Что не так (необязательно)"), required=False)
    uploads = _files_field(
        label=gettext_lazy("Фото счётчика"),
        required=True,
        error_messages={"required": gettext_lazy("Приложите фото счётчика, на котором видны показания.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reading_date"].required = False
        self.chosen_meter = self._chosen_meter()
        zones = self.chosen_meter.zones if self.chosen_meter else ()
        for zone in zones:
            self.fields[f"value_{zone}"] = forms.CharField(
                label=_("Верное показание: %(zone)s") % {"zone": zone_label(zone)}
                if len(zones) > 1
                else _("Верное показание"),
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "reading-input"}),
                help_text=_("Только цифры до запятой"),
            )
        self.order_fields(["meter", *[f"value_{z}" for z in zones], "reading_date", "text", "uploads", "token"])

    def subject(self) -> str:
        return _("Исправление показаний счётчика № %(serial)s") % {"serial": self.cleaned_data["meter"].serial}

    def _chosen_meter(self) -> Meter | None:
        meters = self.fields["meter"].queryset  # type: ignore[attr-defined]
        chosen = (self.data if self.is_bound else self.initial).get("meter")
        if chosen:
            try:
                return meters.filter(pk=int(str(chosen))).first()
            except ValueError:
                return None
        return meters.first()

    def zone_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("value_")]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        meter = data.get("meter")
        if meter is None:
            return data
        raw: dict[str, str] = {zone: data[f"value_{zone}"] for zone in meter.zones if data.get(f"value_{zone}")}
        if len(raw) < len(meter.zones):
            return data  # the field's own "required" error is shown
        try:
            data["values"] = rules.parse_values(raw, zones=meter.zones, digits=meter.digits)
        except DomainError as error:
            self.add_error(f"value_{error.field}" if f"value_{error.field}" in self.fields else None, error.message)
        reading_date = data.get("reading_date")
        if reading_date and reading_date > timezone.localdate():
            self.add_error("reading_date", _("Дата показаний не может быть в будущем."))
        return data

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        details: dict[str, Any] = {"values": data["values"]}
        if data.get("reading_date"):
            details["reading_date"] = data["reading_date"].isoformat()
        return details


class QuestionForm(RequestForm):
    kind = Request.Kind.QUESTION
    topic = forms.ChoiceField(label=gettext_lazy("Тема"), choices=list(QUESTION_TOPICS.items()))
    account = AccountChoiceField(
        label=gettext_lazy("Лицевой счёт"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=gettext_lazy("— не относится к счёту —"),
    )
    text = _text_field(gettext_lazy("Ваш вопрос"))
    uploads = _files_field()

    def subject(self) -> str:
        return _("Вопрос: %(topic)s") % {"topic": QUESTION_TOPICS[self.cleaned_data["topic"]]}

    def details(self) -> dict[str, Any]:
        return {"topic": self.cleaned_data["topic"]}


class ComplaintForm(RequestForm):
    kind = Request.Kind.COMPLAINT
    title = forms.CharField(label=gettext_lazy("Суть жалобы коротко"), max_length=150)
    account = AccountChoiceField(
        label=gettext_lazy("Лицевой счёт"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=gettext_lazy("— не относится к счёту —"),
    )
    text = _text_field(gettext_lazy("Что произошло"))
    uploads = _files_field()

    def subject(self) -> str:
        return _("Жалоба: %(title)s") % {"title": self.cleaned_data["title"]}


class ContractForm(RequestForm):
    kind = Request.Kind.CONTRACT
    contract_number = forms.CharField(label=gettext_lazy("Номер договора"), max_length=30)
    topic = forms.ChoiceField(label=gettext_lazy("Вопрос касается"), choices=list(CONTRACT_TOPICS.items()))
    account = AccountChoiceField(
        label=gettext_lazy("Лицевой счёт"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=gettext_lazy("— все счета по договору —"),
    )
    text = _text_field(gettext_lazy("Ваш вопрос"))
    uploads = _files_field()

    def subject(self) -> str:
        return _("Договор %(number)s: %(topic)s") % {
            "number": self.cleaned_data["contract_number"],
            "topic": CONTRACT_TOPICS[self.cleaned_data["topic"]],
        }

    def details(self) -> dict[str, Any]:
        return {"contract_number": self.cleaned_data["contract_number"], "topic": self.cleaned_data["topic"]}


FORMS: dict[str, type[RequestForm]] = {
    form.kind: form
    for form in (VerificationForm, ReplacementForm, CorrectionForm, QuestionForm, ComplaintForm, ContractForm)
}


class ReplyForm(forms.Form):
    text = _text_field(gettext_lazy("Сообщение"))
    uploads = _files_field()
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4()


class StaffReplyForm(ReplyForm):
    close = forms.BooleanField(label=gettext_lazy("Закрыть обращение после ответа"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = gettext_lazy("Ответ абоненту")


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("Оценка ответа"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Выберите оценку от 1 до 5.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Комментарий (необязательно)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
