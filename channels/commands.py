"""The SMS command language (short number, ``../shared/domain.md``), parsed by one pure function.

    001#<reading>                       single-rate
    001#<day>;<night>                   two-zone
    001#<peak>;<night>;<semi-peak>      three-zone (this order comes from the source article)
    001#<account>#<readings>            a phone linked to several accounts names one
    001#...#да                          resend of implausible readings, confirmed (also ``ok``)
    003#  or  003#<account>             the latest readings and the submission window
    004#  or  004#<account>             date and amount of the last payment

People type spaces around ``#`` and ``;``, leading and trailing spaces, capitals, full-width
signs: all tolerated. The parser only reads the structure; whether a value is a number that fits
the meter is for ``metering.rules`` to judge, except a decimal separator, which it flags so that
the reply explains "integer part only" before anything else. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

READINGS, INFO, PAYMENT, HELP, INVALID = "readings", "info", "payment", "help", "invalid"

# Why a command could not be read (Command.problem with kind INVALID).
NO_VALUES = "no_values"  # 001# without readings
BAD_ACCOUNT = "bad_account"  # the account part is not 10 digits
SYNTAX = "syntax"  # too many parts for the command

CONFIRM_WORDS = frozenset({"да", "ok", "ок", "д", "yes"})
ACCOUNT = re.compile(r"\d{10}")

# Look-alikes people's phones produce for the separators.
_TRANSLATE = str.maketrans({"＃": "#", "№": "#", "；": ";", "\u037e": ";"})
_SPACES_AROUND = re.compile(r"\s*([#;])\s*")
_CODE = re.compile(r"(\d{3})(?:#(.*))?", re.DOTALL)
_FRACTION = re.compile(r"[.,]")


@dataclass(frozen=True)
class Command:
    kind: str
    account: str | None = None
    values: tuple[str, ...] = ()  # readings as typed, in the SMS zone order
    confirmed: bool = False
    problem: str = ""  # for INVALID: NO_VALUES, BAD_ACCOUNT, SYNTAX
    code: str = ""  # "001", "003", "004" when one was recognised
    fraction: str = ""  # the first value typed with a decimal separator, if any

    def text(self, *, confirmed: bool | None = None) -> str:
        """The command written canonically (what a reply asks the customer to send again)."""
        parts = [self.code]
        if self.account:
            parts.append(self.account)
        if self.values:
            parts.append(";".join(self.values))
        if confirmed if confirmed is not None else self.confirmed:
            parts.append("да")
        return "#".join(parts) + ("#" if len(parts) == 1 else "")


def normalize(text: str) -> str:
    """NFKC, look-alike separators, no spaces around ``#``/``;``, trimmed, lower case."""
    text = unicodedata.normalize("NFKC", (text or "").translate(_TRANSLATE))
    return _SPACES_AROUND.sub(r"\1", text).strip().casefold()


def parse_command(text: str) -> Command:
    """Read one SMS. Always returns a Command; unknown text is HELP."""
    normal = normalize(text)
    match = _CODE.fullmatch(normal)
    if match is None:
        return Command(HELP)
    code, rest = match.group(1), match.group(2) or ""
    parts = rest.split("#")
    while parts and parts[-1] == "":  # "003#", "001#123#"
        parts.pop()
    if code == "001":
        return _readings(parts)
    if code in ("003", "004"):
        kind = INFO if code == "003" else PAYMENT
        if not parts:
            return Command(kind, code=code)
        if len(parts) > 1:
            return Command(INVALID, problem=SYNTAX, code=code)
        if not ACCOUNT.fullmatch(parts[0]):
            return Command(INVALID, problem=BAD_ACCOUNT, code=code)
        return Command(kind, account=parts[0], code=code)
    return Command(HELP)


def _readings(parts: list[str]) -> Command:
    confirmed = bool(parts) and parts[-1] in CONFIRM_WORDS
    if confirmed:
        parts = parts[:-1]
    account = None
    if len(parts) == 2:
        account, parts = parts[0], parts[1:]
        if not ACCOUNT.fullmatch(account):
            return Command(INVALID, problem=BAD_ACCOUNT, code="001")
    elif len(parts) == 1 and ACCOUNT.fullmatch(parts[0]):
        # Ten digits alone: an account without readings (no meter has ten digits before the comma).
        return Command(INVALID, account=parts[0], problem=NO_VALUES, code="001")
    if len(parts) > 1:
        return Command(INVALID, problem=SYNTAX, code="001")
    if not parts or not parts[0].strip(";"):
        return Command(INVALID, account=account, problem=NO_VALUES, code="001")
    values = tuple(value.strip() for value in parts[0].split(";"))
    while len(values) > 1 and values[-1] == "":  # "001#123;456;"
        values = values[:-1]
    fraction = next((value for value in values if _FRACTION.search(value)), "")
    return Command(READINGS, account=account, values=values, confirmed=confirmed, code="001", fraction=fraction)
