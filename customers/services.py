"""Linking a user to an account ("Добавить абонента") and unlinking.

Ownership is proved with something only the payer knows: the code printed on the bill or the
serial of one of the account's meters. A wrong pair gets one answer whichever half was wrong,
and failures are limited per user and per account.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError

from .models import Account, AccountLink

LINK_FAILURES = 5
LINK_WINDOW = 3600


def _proof_matches(account: Account, proof: str) -> bool:
    proof = proof.strip().upper()
    candidates = [account.bill_code.upper()] if account.bill_code else []
    candidates += [serial.upper() for serial in account.meters.filter(status="active").values_list("serial", flat=True)]
    # Compare against every candidate so the time taken says nothing about which one was close.
    return any([hmac.compare_digest(proof.encode(), c.encode()) for c in candidates]) and bool(proof)


def link_account(*, user: Any, number: str, proof: str, alias: str = "", group: str = "") -> AccountLink:
    number = (number or "").strip()
    if ratelimit.limit_exceeded("link-user", str(user.pk), limit=LINK_FAILURES) or ratelimit.limit_exceeded(
        "link-account", number, limit=LINK_FAILURES
    ):
        raise DomainError(
            "link_locked", _("Слишком много неудачных попыток. Попробуйте через час."), retry_after=LINK_WINDOW
        )
    account = Account.objects.filter(number=number, status=Account.Status.ACTIVE).first()
    if account is None or not _proof_matches(account, proof):
        ratelimit.hit("link-user", str(user.pk), window=LINK_WINDOW)
        ratelimit.hit("link-account", number, window=LINK_WINDOW)
        raise DomainError(
            "link_mismatch",
            _(
                "Номер лицевого счёта и код с квитанции (или номер счётчика) не совпадают. Проверьте и попробуйте ещё раз."
            ),
        )
    with transaction.atomic():
        link, created = AccountLink.objects.get_or_create(
            user=user, account=account, defaults={"alias": alias.strip(), "group": group.strip()}
        )
        if not created:
            raise DomainError("link_exists", _("Этот лицевой счёт уже есть в вашем кабинете."))
        audit("account.linked", actor=user, channel="portal", account=account, obj=link)
    return link


def unlink_account(*, user: Any, number: str) -> None:
    with transaction.atomic():
        link = AccountLink.objects.select_related("account").filter(user=user, account__number=number).first()
        if link is None:
            raise DomainError("link_not_found", _("Этого лицевого счёта нет в вашем кабинете."))
        audit("account.unlinked", actor=user, channel="portal", account=link.account, obj=link)
        link.delete()
