"""A business customer's requisites: INN (with its check digits) and KPP.

An organisation has a 10-digit INN and a 9-digit KPP; an individual entrepreneur (ИП) has a
12-digit INN and no KPP. The check digits are those of the Federal Tax Service's algorithm.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import DomainError

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check_digit(inn, _WEIGHTS_10) == int(inn[9])
    if len(inn) == 12:
        return _check_digit(inn, _WEIGHTS_12_FIRST) == int(inn[10]) and _check_digit(inn, _WEIGHTS_12_SECOND) == int(
            inn[11]
        )
    return False


def check_requisites(*, inn: str, kpp: str) -> tuple[str, str]:
    """The INN and KPP cleaned of spaces, or a DomainError tied to the field at fault."""
    inn = "".join((inn or "").split())
    kpp = "".join((kpp or "").split())
    if not inn.isdigit() or len(inn) not in (10, 12):
        raise DomainError(
            "inn_format", _("ИНН организации — 10 цифр, ИНН индивидуального предпринимателя — 12 цифр."), field="inn"
        )
    if not inn_is_valid(inn):
        raise DomainError(
            "inn_checksum", _("ИНН с ошибкой: контрольные цифры не сходятся. Проверьте ИНН по документам."), field="inn"
        )
    if len(inn) == 10:
        if not (kpp.isdigit() and len(kpp) == 9):
            raise DomainError("kpp_format", _("КПП — 9 цифр."), field="kpp")
    elif kpp:
        raise DomainError(
            "kpp_not_for_entrepreneur",
            _("У индивидуального предпринимателя нет КПП: оставьте поле пустым."),
            field="kpp",
        )
    return inn, kpp
