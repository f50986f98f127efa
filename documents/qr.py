"""The payment QR of a bill, ГОСТ Р 56042-2014: ``ST0001`` + encoding flag ``2`` (UTF-8), then ``|Key=Value``.

Required keys come first, in the standard's order (Name, PersonalAcc, BankName, BIC, CorrespAcc);
then the optional ones. ``Sum`` is in kopecks (omitted when nothing is due), ``PaymPeriod`` is
``MMYYYY``, ``QuittId`` the bill number, ``TechCode=02`` marks utilities. A value may not contain
the separator ``|``, so it is replaced by a space.
"""

from __future__ import annotations

from django.conf import settings

from billing.models import Bill

HEADER = "ST00012"


def _clean(value: object) -> str:
    return str(value).replace("|", " ").replace("\n", " ").strip()


def payment_fields(bill: Bill, *, account_number: str) -> list[tuple[str, str]]:
    company = settings.COMPANY
    fields = [
        ("Name", company["name"][:160]),
        ("PersonalAcc", company["account"]),
        ("BankName", company["bank_name"][:45]),
        ("BIC", company["bic"]),
        ("CorrespAcc", company["corr_account"]),
        ("PayeeINN", company["inn"]),
        ("KPP", company["kpp"]),
        ("PersAcc", account_number),
    ]
    to_pay = bill.to_pay
    if to_pay > 0:
        fields.append(("Sum", str(int(to_pay * 100))))
    fields += [
        ("Purpose", f"Оплата электроэнергии, л/с {account_number}, {bill.period.first_day:%m.%Y}"),
        ("PaymPeriod", f"{bill.period.first_day:%m%Y}"),
        ("QuittId", bill.number),
        ("TechCode", "02"),
    ]
    return [(key, _clean(value)) for key, value in fields]


def payment_text(bill: Bill, *, account_number: str) -> str:
    return HEADER + "".join(f"|{key}={value}" for key, value in payment_fields(bill, account_number=account_number))


def parse_payment_text(text: str) -> dict[str, str]:
    """The fields of a payment QR's text (the inverse of :func:`payment_text`); for tests and checks."""
    header, *pairs = text.split("|")
    if header != HEADER:
        raise ValueError(f"not a UTF-8 ГОСТ Р 56042-2014 payment text: {header!r}")
    return dict(pair.split("=", 1) for pair in pairs)
