"""The short Russian answers of the SMS and e-mail channels.

Every reply fits two SMS parts (Cyrillic is UCS-2: 134 characters in two parts, 70 in one): each
builder lists its wording from the fullest to the shortest and :func:`first_fitting` takes the
first that fits; the last one of each is short enough whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from core.money import format_rub
from core.periods import Period
from metering.models import Reading
from metering.rules import WindowStatus
from metering.zones import zone_label

from .commands import Command
from .segments import fits

# The order readings are typed in an SMS, per number of zones (three-zone: peak;night;semi-peak).
SMS_ZONES: dict[int, tuple[str, ...]] = {1: ("total",), 2: ("day", "night"), 3: ("peak", "night", "semipeak")}
EXAMPLE_VALUES: dict[int, str] = {1: "123456", 2: "12345;6789", 3: "1234;5678;2345"}
MAX_PARTS = 2


def first_fitting(candidates: Iterable[str]) -> str:
    last = ""
    for text in candidates:
        last = " ".join(text.split())  # no double spaces or line breaks from the templates
        if fits(last, parts=MAX_PARTS):
            return last
    return last


def _day(day: dt.date, *, year: bool = True) -> str:
    return f"{day:%d.%m.%Y}" if year else f"{day:%d.%m}"


def _rub(amount: Decimal) -> str:
    # "руб." rather than "₽": older phones show the rouble sign as a box.
    return format_rub(amount).replace("\u00a0₽", " " + _("руб.")).replace("\u00a0", " ")


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def example(code: str, account: str | None = None, *, scheme: int = 1) -> str:
    parts = [code]
    if account:
        parts.append(account)
    if code == "001":
        parts.append(EXAMPLE_VALUES.get(scheme, EXAMPLE_VALUES[1]))
    return "#".join(parts) + ("#" if len(parts) == 1 else "")


# --- Help, identification --------------------------------------------------------------------


def help_text() -> str:
    return first_fitting(
        [
            _(
                "Команды: 001#показания (день;ночь или пик;ночь;полупик) - передать, "
                "003# - последние показания, 004# - последняя оплата."
            ),
            _("Команды: 001#показания - передать, 003# - последние показания, 004# - последняя оплата."),
        ]
    )


def unlinked_phone() -> str:
    site = settings.SITE_URL.split("://", 1)[-1].rstrip("/")
    return first_fitting(
        [
            _(
                "Номер не привязан к лицевому счёту. Зарегистрируйтесь на %(site)s/register/account/ "
                "или привяжите счёт в личном кабинете."
            )
            % {"site": site},
            _("Номер не привязан к лицевому счёту. Зарегистрируйтесь в личном кабинете на сайте компании."),
        ]
    )


def choose_account(code: str, numbers: Sequence[str]) -> str:
    first = numbers[0]
    return first_fitting(
        [
            _("К номеру привязаны счета %(numbers)s. Укажите счёт: %(example)s")
            % {
                "numbers": ", ".join(numbers),
                "example": f"{code}#{first}#" + _("показания") if code == "001" else example(code, first),
            },
            _("К номеру привязаны счета %(numbers)s и другие. Укажите счёт: %(example)s")
            % {"numbers": ", ".join(numbers[:3]), "example": example(code, first)},
            _("К номеру привязано несколько счетов. Укажите счёт: %(example)s") % {"example": example(code, first)},
        ]
    )


def account_not_yours(number: str, *, by_email: bool = False) -> str:
    if by_email:
        return _("Счёт %(number)s не привязан к кабинету с вашим адресом e-mail.") % {"number": _short(number)}
    return _("Счёт %(number)s не привязан к вашему номеру.") % {"number": _short(number)}


def email_help() -> str:
    return _(
        "Не удалось найти показания в письме. Напишите в теме или первой строке: 001#<лицевой счёт>#<показания>, "
        "например 001#6300000001#123456."
    )


def email_unconfirmed() -> str:
    return _(
        "Ваш адрес e-mail не подтверждён: показания по e-mail принимаются только с подтверждённого адреса. "
        "Подтвердите его в профиле личного кабинета."
    )


def email_no_accounts() -> str:
    return _("К кабинету с вашим адресом e-mail не привязан ни один лицевой счёт. Привяжите счёт в личном кабинете.")


def rate_limited(minutes: int) -> str:
    return _("Слишком много сообщений с вашего номера. Повторите через %(minutes)s мин.") % {"minutes": minutes}


# --- Commands that could not be read ---------------------------------------------------------


def no_values(command: Command) -> str:
    return first_fitting(
        [
            _("Не указаны показания. Пример: %(one)s, для двух зон %(two)s")
            % {"one": example("001", command.account), "two": example("001", command.account, scheme=2)},
            _("Не указаны показания. Пример: %(one)s") % {"one": example("001", command.account)},
        ]
    )


def bad_account(command: Command) -> str:
    return _("Номер лицевого счёта - 10 цифр. Пример: %(example)s") % {"example": example(command.code, "6300000001")}


def syntax(command: Command) -> str:
    return _("Не удалось разобрать команду. Пример: %(example)s") % {"example": example(command.code)}


def fraction(typed: str) -> str:
    whole = typed.replace(",", ".").split(".", 1)[0].strip().lstrip("0") or "0"
    return first_fitting(
        [
            _("Передайте только цифры до запятой: %(whole)s вместо %(typed)s. Дробная часть не учитывается.")
            % {"whole": _short(whole), "typed": _short(typed)},
            _("Передайте только цифры до запятой, без дробной части: она не учитывается."),
        ]
    )


# --- Readings ---------------------------------------------------------------------------------


def no_meters(number: str) -> str:
    return _("По счёту %(number)s нет действующих счётчиков.") % {"number": number}


def several_meters(number: str) -> str:
    return _("На счёте %(number)s несколько счётчиков: передайте показания в личном кабинете.") % {"number": number}


def _values(zones: Sequence[str], values: dict[str, int]) -> str:
    if len(zones) == 1:
        return str(values[zones[0]])
    return ", ".join(f"{zone_label(zone)} {values[zone]}" for zone in zones)


def accepted(
    *, number: str, scheme: int, period: Period, values: dict[str, int], volume: int, replaced: bool, rollover: bool
) -> str:
    common = {"number": number, "period": period.label, "values": _values(SMS_ZONES[scheme], values), "volume": volume}
    if replaced:
        full = _("Счёт %(number)s: показания исправлены, приняты за %(period)s (%(values)s), расход %(volume)s кВт·ч.")
        brief = _("Счёт %(number)s: показания исправлены, приняты за %(period)s, расход %(volume)s кВт·ч.")
    else:
        full = _("Счёт %(number)s: показания приняты за %(period)s (%(values)s), расход %(volume)s кВт·ч.")
        brief = _("Счёт %(number)s: показания приняты за %(period)s, расход %(volume)s кВт·ч.")
    rollover_notice = (" " + _("Счётчик перешёл через ноль.")) if rollover else ""
    return first_fitting([full % common + rollover_notice, full % common, brief % common])


def zone_count(scheme: int, account: str | None) -> str:
    if scheme == 1:
        return _("Однотарифный счётчик: передайте одно показание, например %(example)s") % {
            "example": example("001", account)
        }
    order = ";".join(zone_label(zone) for zone in SMS_ZONES[scheme])
    return _("Счётчик учитывает %(n)s зоны: передайте показания через ; в порядке %(order)s, например %(example)s") % {
        "n": scheme,
        "order": order,
        "example": example("001", account, scheme=scheme),
    }


def lower_than_previous(*, scheme: int, zone: str | None, value: str, previous: str) -> str:
    label = f" «{zone_label(zone)}»" if zone and scheme > 1 else ""
    return first_fitting(
        [
            _("Показание%(zone)s %(value)s меньше предыдущего %(previous)s. Проверьте цифры до запятой.")
            % {"zone": label, "value": _short(value), "previous": previous},
            _("Показание меньше предыдущего принятого. Проверьте цифры до запятой."),
        ]
    )


def implausible(command: Command, volume: str) -> str:
    again = command.text(confirmed=True)
    return first_fitting(
        [
            _(
                "Расход %(volume)s кВт·ч намного больше обычного. Проверьте цифры до запятой. "
                "Если всё верно, отправьте %(again)s"
            )
            % {"volume": volume, "again": again},
            _("Расход намного больше обычного. Если показания верны, повторите SMS, добавив в конце #да"),
        ]
    )


def refused(code: str, *, message: str, scheme: int, account: str | None, digits: int, number: str) -> str:
    """A submission refused by the readings rules, by the rule's stable code."""
    simple = {
        "reading_not_number": _("Показания - только цифры. Пример: %(example)s"),
        "reading_negative": _("Показания - только цифры. Пример: %(example)s"),
        "reading_required": _("Укажите показания всех зон, например %(example)s"),
        "reading_too_long": _(
            "Показание длиннее, чем у счётчика (%(digits)s цифр до запятой). Передайте только цифры до запятой."
        ),
        "meter_removed": _("Счётчик снят, показания по нему не принимаются."),
        "account_closed": _("Лицевой счёт %(number)s закрыт, показания не принимаются."),
        "meter_verification_expired": _(
            "Срок поверки счётчика истёк: показания не принимаются. Подайте заявку на поверку в личном кабинете."
        ),
        "reading_date_before_last": _("Есть более поздние показания; эти не приняты."),
    }
    params = {"example": example("001", account, scheme=scheme), "digits": digits, "number": number}
    if code in simple:
        return first_fitting([simple[code] % params])
    return first_fitting(
        [
            _("Показания не приняты: %(message)s") % {"message": message},
            _("Показания не приняты. Передайте их в личном кабинете или по телефону %(phone)s.")
            % {"phone": settings.COMPANY["phone"]},
            _("Показания не приняты. Передайте их в личном кабинете."),
        ]
    )


# --- 003# and 004# -----------------------------------------------------------------------------


def _window(window: WindowStatus, *, short: bool) -> str:
    if window.is_open:
        if short:
            return _("Приём до %(closes)s.") % {"closes": _day(window.closes_on, year=False)}
        return _("Приём показаний открыт до %(closes)s.") % {"closes": _day(window.closes_on, year=False)}
    return _("Приём показаний с %(opens)s по %(closes)s.") % {
        "opens": _day(window.opens_on, year=False),
        "closes": _day(window.closes_on, year=False),
    }


def _state(reading: Reading, *, period: bool) -> str:
    label = str(Reading.State(reading.state).label)
    if period:
        return _("%(state)s за %(period)s") % {"state": label, "period": reading.period.label}
    return label


def _meter_block(zones: Sequence[str], latest: dict[str, Reading], level: int) -> str:
    """One meter's latest readings; ``level`` 0 is the fullest wording, 3 the shortest."""
    present = [zone for zone in zones if zone in latest]
    if not present:
        return _("показаний ещё нет")
    with_period, with_state, with_year = level == 0, level <= 1, level <= 2

    def value(zone: str) -> str:
        reading = latest[zone]
        return str(reading.value) if len(zones) == 1 else f"{zone_label(zone)} {reading.value}"

    rows = [latest[zone] for zone in present]
    if len({(r.taken_on, r.state, r.period) for r in rows}) == 1:  # one submission: say it once
        text = ", ".join(value(zone) for zone in present) + " " + _("от") + " " + _day(rows[0].taken_on, year=with_year)
        return text + (", " + _state(rows[0], period=with_period) if with_state else "")
    parts = []
    for zone in present:
        reading = latest[zone]
        details = _day(reading.taken_on, year=with_year)
        if with_state:
            details += ", " + _state(reading, period=with_period)
        parts.append(f"{value(zone)} ({details})")
    return ", ".join(parts)


def readings_info(*, number: str, meters: Sequence[tuple[int, str, dict[str, Reading]]], window: WindowStatus) -> str:
    """``meters``: (scheme, serial, latest reading per zone) of each active meter."""

    def text(level: int, short_window: bool) -> str:
        blocks = []
        for scheme, serial, latest in meters:
            block = _meter_block(SMS_ZONES[scheme], latest, level)
            blocks.append(f"№…{serial[-4:]}: {block}" if len(meters) > 1 else block)
        body = "; ".join(blocks) if blocks else _("нет действующих счётчиков")
        return (
            _("Счёт %(number)s: %(body)s.") % {"number": number, "body": body}
            + " "
            + _window(window, short=short_window)
        )

    return first_fitting(
        [text(level, short) for short in (False, True) for level in range(4)]
        + [_("Счёт %(number)s: подробные сведения о показаниях - в личном кабинете.") % {"number": number}]
    )


def last_payment(*, number: str, paid_on: dt.date | None, amount: Decimal | None) -> str:
    if paid_on is None or amount is None:
        return _("Счёт %(number)s: оплат не найдено.") % {"number": number}
    return _("Счёт %(number)s: последняя оплата %(date)s на сумму %(amount)s") % {
        "number": number,
        "date": _day(paid_on),
        "amount": _rub(amount),
    }
