"""Shapes of the API's requests and answers (and so of the OpenAPI schema).

Answers are built from what the services and selectors return; nothing here decides a rule.
Money is a string with two decimals ("1234.56"), volumes are whole kWh, periods are "YYYY-MM".
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import ChargeLine, LedgerEntry
from metering.models import Reading
from metering.zones import Zone
from notifications.models import Channel as NotificationChannel
from notifications.models import Kind as NotificationKind
from payments.models import Payment, Receipt
from service.models import Request

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


BOOLEAN = {"invalid": gettext_lazy("Нужно true или false.")}


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


# --- Errors -----------------------------------------------------------------------------------------


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(required=False, help_text=gettext_lazy("Поле запроса, к которому относится ошибка."))
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("Стабильный код ошибки: по нему ветвится программа."))
    message = serializers.CharField(help_text=gettext_lazy("Сообщение для человека, по-русски."))
    field = serializers.CharField(required=False, help_text=gettext_lazy("Поле запроса, если виновато одно."))
    errors = ErrorItemSerializer(many=True, required=False, help_text=gettext_lazy("Все ошибки проверки данных."))
    details = serializers.DictField(
        required=False, help_text=gettext_lazy("Подробности: например, расход и как подтвердить показания.")
    )


# --- Identity ------------------------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    phone = serializers.CharField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    middle_name = serializers.CharField()
    email = serializers.CharField()
    email_confirmed = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=["household", "business"])


class LoginRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=24, help_text=gettext_lazy("Мобильный телефон, например +79991234567."))
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class SessionSerializer(serializers.Serializer):
    user = UserSerializer()
    csrf_token = serializers.CharField(
        help_text=gettext_lazy("Передавайте его в заголовке X-CSRFToken в запросах, которые что-то меняют.")
    )


class CsrfSerializer(serializers.Serializer):
    csrf_token = serializers.CharField()


class RegisterRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=24)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    accept_terms = serializers.BooleanField(
        error_messages=BOOLEAN, help_text=gettext_lazy("Согласие с пользовательским соглашением.")
    )
    accept_personal_data = serializers.BooleanField(
        error_messages=BOOLEAN, help_text=gettext_lazy("Согласие на обработку персональных данных.")
    )


class PhoneCodeSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=24)
    code = serializers.CharField(max_length=10)


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=24)


class ResetPasswordSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=24)
    code = serializers.CharField(max_length=10)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AccountNumberSerializer(serializers.Serializer):
    account_number = serializers.RegexField(
        r"^\d{10}$", error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")}
    )


class AccountCodeSerializer(AccountNumberSerializer):
    code = serializers.CharField(max_length=10)


class NoticeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("code_sent, password_changed…"))
    message = serializers.CharField()


# --- Accounts and meters -------------------------------------------------------------------------


class TariffCategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    number = serializers.CharField()
    alias = serializers.CharField()
    group = serializers.CharField(help_text=gettext_lazy("Объект недвижимости: счета одного объекта вместе."))
    address = serializers.CharField()
    residents = serializers.IntegerField(help_text=gettext_lazy("Проживает человек (для норматива)."))
    holder = serializers.CharField(help_text=gettext_lazy("Абонент по договору."))
    status = serializers.ChoiceField(choices=["active", "closed"])
    tariff_category = TariffCategoryRefSerializer()


class LinkRequestSerializer(serializers.Serializer):
    number = serializers.RegexField(
        r"^\d{10}$", error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")}
    )
    proof = serializers.CharField(
        max_length=40, help_text=gettext_lazy("Проверочный код с квитанции или заводской номер счётчика.")
    )
    alias = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    group = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class LastReadingSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    taken_on = serializers.DateField()
    state = serializers.ChoiceField(choices=Reading.State.choices)
    accepted_for_period = serializers.CharField(allow_null=True)


class MeterZoneSerializer(serializers.Serializer):
    zone = serializers.ChoiceField(choices=Zone.choices)
    label = serializers.CharField()
    hours = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("Часы зоны, местное время."))
    last_reading = LastReadingSerializer(allow_null=True)


class WindowSerializer(serializers.Serializer):
    is_open = serializers.BooleanField()
    period = serializers.CharField(
        help_text=gettext_lazy("Период, за который показания, переданные сегодня, будут учтены.")
    )
    period_label = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    days = serializers.IntegerField(
        help_text=gettext_lazy("Открыт: дней до закрытия (сегодня включительно); закрыт: дней до открытия.")
    )


class MeterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField()
    model = serializers.CharField()
    status = serializers.ChoiceField(choices=["active", "removed"])
    digits = serializers.IntegerField(help_text=gettext_lazy("Разрядов до запятой: столько цифр в показании."))
    transformer_ratio = serializers.IntegerField()
    scheme = serializers.IntegerField(help_text=gettext_lazy("Число тарифных зон: 1, 2 или 3."))
    scheme_label = serializers.CharField()
    installed_on = serializers.DateField()
    next_verification_on = serializers.DateField(allow_null=True)
    verification_expired = serializers.BooleanField()
    zones = MeterZoneSerializer(many=True)
    submission_window = WindowSerializer()


# --- Readings ------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": {"oneOf": [{"type": "string", "maxLength": 20}, {"type": "integer"}]},
                "description": gettext_lazy('По зонам: {"day": "12345", "night": "6789"}'),
            },
            {
                "type": "array",
                "items": {"oneOf": [{"type": "string", "maxLength": 20}, {"type": "integer"}]},
                "maxItems": 3,
                "description": gettext_lazy('В порядке зон счётчика (как в SMS): ["12345", "6789"]'),
            },
        ]
    }
)
class ReadingValuesField(serializers.Field):
    """Zone values: a mapping by zone or a list in the meter's zone order; each a string or an integer.

    A JSON fraction (12345.6) becomes its text, so the rules answer it with the integer-only message.
    """

    default_error_messages = {
        "invalid": gettext_lazy("Показания — объект по зонам или список в порядке зон счётчика."),
        "item": gettext_lazy("Показание — строка или целое число."),
    }

    def _item(self, value: Any) -> str | int:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail("item")
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, str) and len(value) > 20:
            self.fail("item")
        return value

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            if len(data) > 3:
                self.fail("invalid")
            return {str(zone): self._item(value) for zone, value in data.items()}
        if isinstance(data, list):
            if len(data) > 3:
                self.fail("invalid")
            return [self._item(value) for value in data]
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:  # pragma: no cover - request only
        return value


class ReadingsRequestSerializer(serializers.Serializer):
    values = ReadingValuesField(required=False, allow_null=True)
    unchanged = serializers.BooleanField(
        default=False,
        error_messages=BOOLEAN,
        help_text=gettext_lazy("Показания не изменились: передать последние принятые ещё раз."),
    )


class SubmitRequestSerializer(ReadingsRequestSerializer):
    confirm_implausible = serializers.BooleanField(
        default=False,
        error_messages=BOOLEAN,
        help_text=gettext_lazy("Подтверждаю большой расход: повтор после ответа 409 reading_implausible."),
    )


class ReadingLineSerializer(serializers.Serializer):
    zone = serializers.ChoiceField(choices=Zone.choices)
    label = serializers.CharField()
    previous = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Последнее учтённое показание."))
    value = serializers.IntegerField()
    volume = serializers.IntegerField(help_text=gettext_lazy("кВт·ч с учётом коэффициента трансформации."))
    rollover = serializers.BooleanField(help_text=gettext_lazy("Счётчик перешёл через ноль."))
    price = serializers.DecimalField(max_digits=10, decimal_places=4)
    amount = money()


class ChargeSerializer(serializers.Serializer):
    period = serializers.CharField()
    charge = money(help_text=gettext_lazy("Начисление за период по этим показаниям."))
    recalculated = money()
    balance = money(help_text=gettext_lazy("Баланс сейчас: больше нуля — долг, меньше — переплата."))
    to_pay = money()


class ReadingsResultSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("draft", "draft"), ("accepted", "accepted")],
        help_text=gettext_lazy(
            "draft — расчёт, ничего не сохранено; accepted — принято за период accepted_for_period."
        ),
    )
    submission = serializers.UUIDField(allow_null=True)
    period = serializers.CharField(help_text=gettext_lazy("Период, за который показания будут (или были) учтены."))
    period_label = serializers.CharField()
    accepted_for_period = serializers.CharField(allow_null=True)
    window_open = serializers.BooleanField()
    taken_on = serializers.DateField()
    lines = ReadingLineSerializer(many=True)
    volume = serializers.IntegerField()
    cost = money()
    notices = serializers.ListField(child=serializers.CharField())
    needs_confirmation = serializers.BooleanField()
    implausible = serializers.CharField(
        help_text=gettext_lazy("Почему расход нужно подтвердить; пусто, если не нужно.")
    )
    implausible_confirmed = serializers.BooleanField()
    replaces_earlier = serializers.BooleanField(
        help_text=gettext_lazy("Заменяет вашу передачу этого же дня (исправление в тот же день).")
    )
    charge = ChargeSerializer(allow_null=True, required=False)


class HistoryQuerySerializer(serializers.Serializer):
    period_from = serializers.RegexField(PERIOD_PATTERN, required=False)
    period_to = serializers.RegexField(PERIOD_PATTERN, required=False)


class ReadingHistorySerializer(serializers.Serializer):
    submission = serializers.UUIDField()
    taken_on = serializers.DateField()
    submitted_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=Reading.State.choices)
    state_label = serializers.CharField()
    period = serializers.CharField()
    accepted_for_period = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Для принятых и учтённых в счёте; иначе null.")
    )
    source = serializers.ChoiceField(choices=Reading.Source.choices)
    source_label = serializers.CharField()
    values = serializers.DictField(child=serializers.IntegerField())
    volumes = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    volume = serializers.IntegerField(allow_null=True)
    rollover = serializers.BooleanField()
    reason = serializers.CharField()
    correctable = serializers.BooleanField(help_text=gettext_lazy("Можно исправить сегодня, передав показания снова."))


class ConsumptionQuerySerializer(HistoryQuerySerializer):
    group_by = serializers.ChoiceField(choices=["month", "quarter", "year"], default="month", required=False)
    order_by = serializers.ChoiceField(choices=["period", "-period"], default="-period", required=False)


class ConsumptionSerializer(serializers.Serializer):
    interval_start = serializers.DateField()
    interval_end = serializers.DateField()
    period_from = serializers.CharField()
    period_to = serializers.CharField()
    consumption = serializers.IntegerField(help_text=gettext_lazy("кВт·ч за интервал."))
    zones = serializers.DictField(child=serializers.IntegerField())
    estimated = serializers.BooleanField(
        help_text=gettext_lazy("В интервале есть начисление без показаний: по среднему или по нормативу.")
    )
    basis = serializers.ListField(
        child=serializers.ChoiceField(choices=["actual", "average", "norm", "readings"]),
        help_text=gettext_lazy(
            "actual — начислено по показаниям, average/norm — по среднему/нормативу, readings — по показаниям, ещё не выставлено в счёте."
        ),
    )
    billed = serializers.BooleanField(help_text=gettext_lazy("Все месяцы интервала уже выставлены в счетах."))


# --- Tariffs -------------------------------------------------------------------------------------


class ZonePriceSerializer(serializers.Serializer):
    zone = serializers.ChoiceField(choices=Zone.choices)
    label = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=4, help_text=gettext_lazy("₽ за кВт·ч с НДС."))
    hours = serializers.ListField(child=serializers.CharField())


class SchemePricesSerializer(serializers.Serializer):
    scheme = serializers.IntegerField()
    label = serializers.CharField()
    zones = ZonePriceSerializer(many=True)


class TariffCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    social_norm_kwh = serializers.IntegerField(allow_null=True)
    schemes = SchemePricesSerializer(many=True)


class TariffsSerializer(serializers.Serializer):
    on = serializers.DateField()
    categories = TariffCategorySerializer(many=True)


class TariffQuerySerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, help_text=gettext_lazy("Дата, на которую нужны цены (по умолчанию сегодня).")
    )


class MeterPricesSerializer(serializers.Serializer):
    meter = serializers.IntegerField()
    serial = serializers.CharField()
    scheme = serializers.IntegerField()
    scheme_label = serializers.CharField()
    zones = ZonePriceSerializer(many=True)


class AccountTariffSerializer(serializers.Serializer):
    number = serializers.CharField()
    on = serializers.DateField()
    category = TariffCategorySerializer()
    meters = MeterPricesSerializer(many=True)


# --- Money ---------------------------------------------------------------------------------------


class BillSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_label = serializers.CharField()
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    opening_balance = money()
    charged = money()
    recalculated = money()
    penalties = money()
    paid = money()
    adjusted = money()
    closing_balance = money(help_text=gettext_lazy("Больше нуля — долг, меньше — переплата."))
    to_pay = money()
    overpayment = money()
    vat = money()
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)


class PenaltyForecastSerializer(serializers.Serializer):
    starts_on = serializers.DateField(help_text=gettext_lazy("Первый день, когда начнут начисляться пени."))
    per_day = serializers.DecimalField(max_digits=14, decimal_places=6)
    by_date = serializers.DateField()
    total = money(help_text=gettext_lazy("Пени с завтрашнего дня по by_date, если не оплатить."))


class BalanceSerializer(serializers.Serializer):
    number = serializers.CharField()
    balance = money(help_text=gettext_lazy("Больше нуля — долг, меньше — переплата (аванс)."))
    debt = money()
    overpayment = money()
    amount_due = money(help_text=gettext_lazy("Сколько оплатить сейчас."))
    last_bill = BillSerializer(allow_null=True)
    penalty_forecast = PenaltyForecastSerializer(allow_null=True)


class ChargeLineSerializer(serializers.Serializer):
    meter = serializers.CharField(allow_null=True, help_text=gettext_lazy("Заводской номер счётчика."))
    zone = serializers.ChoiceField(choices=Zone.choices)
    zone_label = serializers.CharField()
    basis = serializers.ChoiceField(choices=ChargeLine.Basis.choices)
    basis_label = serializers.CharField()
    tier = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    previous_value = serializers.IntegerField(allow_null=True)
    current_value = serializers.IntegerField(allow_null=True)
    volume = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=10, decimal_places=4)
    amount = money()


class LedgerEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    kind_label = serializers.CharField()
    for_period = serializers.CharField(allow_null=True)
    posted_on = serializers.DateField()
    amount = money(help_text=gettext_lazy("Сколько прибавило к долгу (оплата — со знаком минус)."))
    reason = serializers.CharField()
    lines = ChargeLineSerializer(many=True)


class BillDetailSerializer(BillSerializer):
    charge_lines = ChargeLineSerializer(many=True)
    recalculations = LedgerEntrySerializer(many=True)
    payments = LedgerEntrySerializer(many=True)
    penalty_entries = LedgerEntrySerializer(many=True)
    adjustments = LedgerEntrySerializer(many=True)


class BillsQuerySerializer(HistoryQuerySerializer):
    pass


class PaymentAmountSerializer(serializers.Serializer):
    account = serializers.RegexField(
        r"^\d{10}$", error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")}
    )
    amount = serializers.CharField(
        max_length=20, allow_blank=True, help_text=gettext_lazy('Рубли, не больше двух знаков после точки: "1234.56".')
    )


class PaymentRequestSerializer(serializers.Serializer):
    amounts = serializers.ListField(
        child=PaymentAmountSerializer(),
        min_length=1,
        max_length=20,
        error_messages={
            "min_length": gettext_lazy("Укажите хотя бы один лицевой счёт и сумму."),
            "max_length": lazy(lambda: _("Не больше %(n)s лицевых счетов в одном платеже.") % {"n": 20}, str)(),
        },
    )
    save_card = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Попросить банк запомнить карту для автоплатежа.")
    )

    def validate_amounts(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        numbers = [item["account"] for item in value]
        if len(set(numbers)) != len(numbers):
            raise serializers.ValidationError(_("Каждый лицевой счёт — один раз в платеже."), code="duplicate_account")
        return value


class PaymentPartSerializer(serializers.Serializer):
    account = serializers.CharField()
    amount = money()


class PaymentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=Payment.State.choices)
    state_label = serializers.CharField()
    amount = money()
    confirmation_url = serializers.CharField(help_text=gettext_lazy("Страница банка: откройте её, чтобы ввести карту."))
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    parts = PaymentPartSerializer(many=True)
    has_receipt = serializers.BooleanField()


class PaymentQuerySerializer(serializers.Serializer):
    check = serializers.BooleanField(
        default=False,
        required=False,
        error_messages=BOOLEAN,
        help_text=gettext_lazy("Спросить банк, если уведомление об оплате запаздывает."),
    )


class ReceiptSerializer(serializers.Serializer):
    payment = serializers.UUIDField()
    state = serializers.ChoiceField(choices=Receipt.State.choices)
    fn_number = serializers.CharField()
    fd_number = serializers.CharField()
    fiscal_sign = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    email = serializers.CharField()
    data = serializers.DictField(help_text=gettext_lazy("Реквизиты чека (54-ФЗ): продавец, позиции, НДС, итог."))


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryField(serializers.Field):  # pragma: no cover - documentation only
    pass


# --- Strict JSON types ---------------------------------------------------------------------------
# DRF turns 5 into "5" and "5" into 5; the schema says one type, so a JSON body must send that type.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Support requests ----------------------------------------------------------------------------


def _text(help_text: Any = None) -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, trim_whitespace=False, help_text=help_text)


def _date(help_text: Any) -> serializers.DateField:
    return serializers.DateField(required=False, help_text=help_text)


# What filing a request may carry; which fields a kind needs is in GET /requests/kinds/ (the portal's forms).
class RequestFilingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Request.Kind.choices, help_text=gettext_lazy("Вид обращения."))
    account = serializers.RegexField(
        r"^\d{10}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")},
        help_text=gettext_lazy("Лицевой счёт (question, complaint, contract); необязательно."),
    )
    meter = StrictIntegerField(
        required=False, min_value=1, help_text=gettext_lazy("Счётчик (поле id): verification, replacement, correction.")
    )
    text = _text(gettext_lazy("Текст обращения: для question, complaint, contract обязателен."))
    topic = _text(gettext_lazy("Тема (question, contract): код из GET /requests/kinds/."))
    title = _text(gettext_lazy("Суть жалобы коротко (complaint)."))
    reason = _text(gettext_lazy("Причина замены (replacement): код из GET /requests/kinds/."))
    contract_number = _text(gettext_lazy("Номер договора (contract)."))
    preferred_from = _date(gettext_lazy("Удобно с (verification, replacement): с завтрашнего дня."))
    preferred_to = _date(gettext_lazy("Удобно по (verification, replacement): в пределах 90 дней."))
    contact_phone = _text(gettext_lazy("Контактный телефон (verification, replacement); по умолчанию — ваш."))
    reading_date = _date(gettext_lazy("Дата ошибочных показаний (correction), если известна."))
    value_total = _text(gettext_lazy("Верное показание однотарифного счётчика (correction)."))
    value_day = _text(gettext_lazy("Верное показание, день (correction)."))
    value_night = _text(gettext_lazy("Верное показание, ночь (correction)."))
    value_peak = _text(gettext_lazy("Верное показание, пик (correction)."))
    value_semipeak = _text(gettext_lazy("Верное показание, полупик (correction)."))


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file in a multipart/form-data body (its checks are service.attachments')."""


class UploadsMixin(serializers.Serializer):
    uploads = serializers.ListField(
        child=UploadField(allow_empty_file=True),
        required=False,
        help_text=gettext_lazy(
            "Файлы: JPEG, PNG или PDF (проверяются по содержимому). Для correction нужно хотя бы одно фото счётчика."
        ),
    )


# The same fields as multipart/form-data, with files; numbers come as text there.
class RequestFilingFormSerializer(UploadsMixin, RequestFilingSerializer):
    meter = serializers.IntegerField(required=False, min_value=1, help_text=gettext_lazy("Счётчик (поле id)."))


class ReplySerializer(serializers.Serializer):
    text = StrictCharField(allow_blank=True, trim_whitespace=False, help_text=gettext_lazy("Сообщение."))


class ReplyFormSerializer(UploadsMixin, ReplySerializer):
    pass


class RatingSerializer(serializers.Serializer):
    score = StrictIntegerField(min_value=1, max_value=5, help_text=gettext_lazy("Оценка ответа от 1 до 5."))
    comment = _text(gettext_lazy("Комментарий (необязательно)."))


class RequestsQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Request.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Request.Kind.choices, required=False)
    account = serializers.RegexField(
        r"^\d{10}$", required=False, error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")}
    )


class ChoiceItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class RequestKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Request.Kind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    needs_meter = serializers.BooleanField()
    needs_photo = serializers.BooleanField(help_text=gettext_lazy("Нужно хотя бы одно фото среди файлов."))
    fields = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Поля этого вида (как в форме портала).")
    )
    required = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Обязательные поля; value_<zone> — верное показание каждой зоны выбранного счётчика."),
    )
    choices = serializers.DictField(
        child=ChoiceItemSerializer(many=True), help_text=gettext_lazy("Допустимые коды для topic и reason.")
    )


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    is_image = serializers.BooleanField()
    url = serializers.CharField(help_text=gettext_lazy("Скачать файл (только владельцу обращения)."))


class RequestMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_staff = serializers.BooleanField()
    author = serializers.CharField(help_text=gettext_lazy("«Вы» или «Специалист» с именем."))
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField(help_text=gettext_lazy("Пусто для первого шага."))
    to_status = serializers.ChoiceField(choices=Request.Status.choices)
    to_status_label = serializers.CharField()
    at = serializers.DateTimeField()
    by_staff = serializers.BooleanField()
    note = serializers.CharField()


class DetailRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=gettext_lazy("Номер обращения для людей: 000123."))
    kind = serializers.ChoiceField(choices=Request.Kind.choices)
    kind_label = serializers.CharField()
    status = serializers.ChoiceField(choices=Request.Status.choices)
    status_label = serializers.CharField()
    subject = serializers.CharField()
    account = serializers.CharField(allow_null=True)
    meter = serializers.IntegerField(allow_null=True)
    meter_serial = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.IntegerField(help_text=gettext_lazy("Сколько ответов специалиста."))
    rating = serializers.IntegerField(allow_null=True)


class RequestDetailSerializer(RequestSerializer):
    text = serializers.CharField()
    details = serializers.DictField(help_text=gettext_lazy("Данные вида обращения, как их сохранил портал."))
    details_rows = DetailRowSerializer(many=True, help_text=gettext_lazy("Те же данные подписанными строками."))
    attachments = AttachmentSerializer(many=True, help_text=gettext_lazy("Файлы, приложенные при подаче."))
    status_history = StatusChangeSerializer(many=True)
    thread = RequestMessageSerializer(many=True)
    can_reply = serializers.BooleanField()
    can_rate = serializers.BooleanField()
    rating_comment = serializers.CharField()
    rated_at = serializers.DateTimeField(allow_null=True)


# --- Notification centre and settings ------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    kind_label = serializers.CharField()
    subject = serializers.CharField()
    text = serializers.CharField()
    link = serializers.CharField(help_text=gettext_lazy("Страница портала, о которой уведомление; может быть пусто."))
    account = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationsQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, error_messages=BOOLEAN, help_text=gettext_lazy("Только непрочитанные.")
    )


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=gettext_lazy("Сколько уведомлений отмечено прочитанными."))
    unread = serializers.IntegerField()


class ChannelPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    label = serializers.CharField()
    channel = serializers.ChoiceField(choices=NotificationChannel.choices, help_text=gettext_lazy("Выбор абонента."))
    channel_label = serializers.CharField()
    default = serializers.ChoiceField(choices=NotificationChannel.choices)
    used = serializers.ChoiceField(
        choices=NotificationChannel.choices,
        help_text=gettext_lazy("Канал сейчас: e-mail — только после подтверждения адреса, до того SMS."),
    )


# One optional channel per kind of message; kinds not given keep their channel.
class ChannelChoicesSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            kind: serializers.ChoiceField(choices=NotificationChannel.choices, required=False, help_text=label)
            for kind, label in NotificationKind.choices
        }


class EbillSerializer(serializers.Serializer):
    number = serializers.CharField()
    address = serializers.CharField()
    ebill = serializers.BooleanField(help_text=gettext_lazy("Квитанции этого счёта приходят на e-mail."))


class EbillRequestSerializer(serializers.Serializer):
    accounts = serializers.ListField(
        child=serializers.RegexField(
            r"^\d{10}$", error_messages={"invalid": gettext_lazy("Номер лицевого счёта — 10 цифр.")}
        ),
        max_length=100,
        help_text=gettext_lazy("Ровно те свои лицевые счета, чьи квитанции присылать на e-mail; [] — никакие."),
    )


# --- Money history, reconciliation statement, autopay --------------------------------------------


class MoneyEntrySerializer(LedgerEntrySerializer):
    period = serializers.CharField(help_text=gettext_lazy("Счёт (период), в который вошла запись."))


class MoneyQuerySerializer(HistoryQuerySerializer):
    order_by = serializers.ChoiceField(choices=["period", "-period"], default="-period", required=False)


class StatementQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(help_text=gettext_lazy("Начало периода акта сверки."))
    date_to = serializers.DateField(help_text=gettext_lazy("Конец периода (включительно), не больше 5 лет."))


class AutopaySerializer(serializers.Serializer):
    number = serializers.CharField()
    active = serializers.BooleanField()
    day = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("День месяца списания, 1–28."))
    max_amount = money(allow_null=True, help_text=gettext_lazy("Больше этой суммы не списывается."))
    last_charged_on = serializers.DateField(allow_null=True)
    card_saved = serializers.BooleanField(
        help_text=gettext_lazy(
            "Есть карта от прошлой оплаты: без неё автоплатёж не включить (сначала оплатите картой)."
        )
    )


class AutopayRequestSerializer(serializers.Serializer):
    day = StrictIntegerField(help_text=gettext_lazy("День месяца, 1–28."))
    max_amount = StrictCharField(
        max_length=20, help_text=gettext_lazy('Предельная сумма в рублях: "3000" или "2500.50".')
    )
