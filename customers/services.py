"""Accounts and who may see them: linking, sign-up by account, business customers, e-bills.

Ownership is proved with something only the payer knows: the code printed on the bill or the
serial of one of the account's meters. A wrong pair gets one answer whichever half was wrong,
and failures are limited per user (or IP address and phone) and per account.

Signing up by account and as a business customer reuse identity's registration: the same checks,
the same SMS code, the same confirmation, finished here by linking the account or filing the
application that staff approve in the back office.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError
from identity import services as identity
from identity.models import User
from notifications.services import send_email, send_sms

from .models import Account, AccountLink, BusinessApplication, Customer
from .requisites import check_requisites

LINK_FAILURES = 5
LINK_WINDOW = 3600
REGISTER_IP_FAILURES = 10  # failed account checks from one address an hour (an office or a NAT holds many people)


def _locked() -> DomainError:
    return DomainError(
        "link_locked", _("Слишком много неудачных попыток. Попробуйте через час."), retry_after=LINK_WINDOW
    )


def _guard(counters: Iterable[tuple[str, str, int]]) -> None:
    """Refuse while any of the (scope, key, limit) counters has used up its failures."""
    if any(ratelimit.limit_exceeded(scope, key, limit=limit) for scope, key, limit in counters):
        raise _locked()


def _count_failure(counters: Iterable[tuple[str, str, int]]) -> None:
    for scope, key, _limit in counters:
        ratelimit.hit(scope, key, window=LINK_WINDOW)


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _proof_matches(account: Account, proof: str) -> bool:
    proof = proof.strip().upper()
    candidates = [account.bill_code.upper()] if account.bill_code else []
    candidates += [serial.upper() for serial in account.meters.filter(status="active").values_list("serial", flat=True)]
    # Compare against every candidate so the time taken says nothing about which one was close.
    return any([_same(proof, c) for c in candidates])


def _create_link(
    *, user: Any, account: Account, alias: str = "", group: str = "", channel: str = "portal"
) -> AccountLink:
    link, created = AccountLink.objects.get_or_create(
        user=user, account=account, defaults={"alias": alias.strip(), "group": group.strip()}
    )
    if not created:
        raise DomainError("link_exists", _("Этот лицевой счёт уже есть в вашем кабинете."))
    audit("account.linked", actor=user, channel=channel, account=account, obj=link)
    return link


def link_account(
    *, user: Any, number: str, proof: str, alias: str = "", group: str = "", channel: str = "portal"
) -> AccountLink:
    number = (number or "").strip()
    counters = [("link-user", str(user.pk), LINK_FAILURES), ("link-account", number, LINK_FAILURES)]
    _guard(counters)
    account = Account.objects.filter(number=number, status=Account.Status.ACTIVE).first()
    if account is None or not _proof_matches(account, proof):
        _count_failure(counters)
        raise DomainError(
            "link_mismatch",
            _(
                "Номер лицевого счёта и код с квитанции (или номер счётчика) не совпадают. Проверьте и попробуйте ещё раз."
            ),
        )
    with transaction.atomic():
        return _create_link(user=user, account=account, alias=alias, group=group, channel=channel)


def unlink_account(*, user: Any, number: str, channel: str = "portal") -> None:
    with transaction.atomic():
        link = AccountLink.objects.select_related("account").filter(user=user, account__number=number).first()
        if link is None:
            raise DomainError("link_not_found", _("Этого лицевого счёта нет в вашем кабинете."))
        audit("account.unlinked", actor=user, channel=channel, account=link.account, obj=link)
        link.delete()


# --- Sign-up by account (households) ------------------------------------------------------------


def start_account_registration(
    *,
    district_code: str,
    number: str,
    bill_code: str,
    phone: str,
    password: str,
    last_name: str,
    first_name: str,
    email: str,
    accept_terms: bool,
    accept_personal_data: bool,
    ip: str = "",
) -> str:
    """Check the account against its bill, then start identity's registration; returns the account number.

    A wrong district, number or bill code, or an account that is not a household's, all get one
    answer. Everything that does not depend on the account (consents, password) is checked first,
    so no other answer tells a right account from a wrong one. Failures count per IP address, per
    account number and per phone.
    """
    sign_up: dict[str, Any] = {
        "phone": phone, "password": password, "last_name": last_name, "first_name": first_name, "email": email,
        "accept_terms": accept_terms, "accept_personal_data": accept_personal_data,
    }  # fmt: skip
    identity.check_registration(**sign_up)
    number = (number or "").strip()
    counters = [
        ("register-account-ip", ip, REGISTER_IP_FAILURES),
        ("register-account-number", number, LINK_FAILURES),
        ("register-account-phone", phone, LINK_FAILURES),
    ]
    _guard(counters)
    account = (
        Account.objects.filter(number=number, status=Account.Status.ACTIVE, customer__kind=Customer.Kind.HOUSEHOLD)
        .only("number", "district_code", "bill_code")
        .first()
    )
    district_ok = _same((district_code or "").strip(), account.district_code if account else "")
    code_ok = _same((bill_code or "").strip().upper(), account.bill_code.upper() if account else "")
    if account is None or not (district_ok and code_ok):
        _count_failure(counters)
        raise DomainError(
            "account_mismatch",
            _(
                "Код района, номер лицевого счёта и проверочный код не совпадают с данными квитанции. Проверьте и попробуйте ещё раз."
            ),
        )
    identity.start_registration(**sign_up)
    return account.number


def confirm_account_registration(*, phone: str, code: str, number: str) -> User:
    """The SMS code activates the user and links the account proved in the first step."""

    def link(user: User) -> None:
        account = Account.objects.filter(number=number, status=Account.Status.ACTIVE).first()
        if account is not None and not AccountLink.objects.filter(user=user, account=account).exists():
            _create_link(user=user, account=account)

    return identity.confirm_registration(phone=phone, code=code, finish=link)


# --- Business customers ------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessDetails:
    organization: str
    inn: str
    kpp: str
    contract_number: str

    def as_session(self) -> dict[str, str]:
        return asdict(self)


def check_business_details(*, organization: str, inn: str, kpp: str, contract_number: str) -> BusinessDetails:
    organization = " ".join((organization or "").split())
    contract_number = (contract_number or "").strip()
    if not organization:
        raise DomainError("organization_required", _("Укажите название организации."), field="organization")
    if not contract_number:
        raise DomainError("contract_required", _("Укажите номер договора энергоснабжения."), field="contract_number")
    inn, kpp = check_requisites(inn=inn, kpp=kpp)
    return BusinessDetails(organization=organization, inn=inn, kpp=kpp, contract_number=contract_number)


def start_business_registration(
    *,
    details: BusinessDetails,
    phone: str,
    password: str,
    last_name: str,
    first_name: str,
    email: str,
    accept_terms: bool,
    accept_personal_data: bool,
) -> BusinessDetails:
    """Check the company's details and start identity's registration; the application is filed on confirmation."""
    details = check_business_details(**asdict(details))
    identity.start_registration(
        phone=phone,
        password=password,
        accept_terms=accept_terms,
        accept_personal_data=accept_personal_data,
        last_name=last_name,
        first_name=first_name,
        email=email,
    )
    return details


def confirm_business_registration(*, phone: str, code: str, details: BusinessDetails) -> User:
    """The SMS code activates a business user and files their application for staff to decide."""

    def file_application(user: User) -> None:
        user.kind = User.Kind.BUSINESS
        user.save(update_fields=["kind"])
        application, _created = BusinessApplication.objects.update_or_create(
            user=user,
            defaults={**asdict(details), "status": BusinessApplication.Status.PENDING, "rejection_reason": ""},
        )
        audit("business.applied", actor=user, channel="portal", obj=application, changes={"inn": details.inn})

    return identity.confirm_registration(phone=phone, code=code, finish=file_application)


def _notify(user: User, subject: str, text: str) -> None:
    send_sms(user.phone, text)
    if user.email:
        send_email(user.email, subject, text)


def approve_business_application(*, application_id: int, staff: Any) -> BusinessApplication:
    """Open the portal to the business user and link the accounts of the customer with their INN/KPP."""
    with transaction.atomic():
        application = (
            BusinessApplication.objects.select_for_update().select_related("user").filter(pk=application_id).first()
        )
        if application is None or application.status != BusinessApplication.Status.PENDING:
            raise DomainError("application_decided", _("Заявка уже рассмотрена или не найдена."))
        application.status = BusinessApplication.Status.APPROVED
        application.decided_by = staff
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decided_by", "decided_at"])
        accounts = Account.objects.filter(
            customer__kind=Customer.Kind.BUSINESS,
            customer__inn=application.inn,
            customer__kpp=application.kpp,
            status=Account.Status.ACTIVE,
        ).exclude(links__user=application.user)
        linked = []
        for account in accounts:
            _create_link(user=application.user, account=account, channel="backoffice")
            linked.append(account.number)
        audit("business.approved", actor=staff, channel="backoffice", obj=application, changes={"accounts": linked})
        _notify(
            application.user,
            _("Доступ к личному кабинету открыт"),
            _("Заявка %(organization)s на доступ к личному кабинету одобрена. Войдите: %(url)s")
            % {
                "organization": application.organization,
                "url": settings.SITE_URL.rstrip("/") + reverse("portal:login"),
            },
        )
    return application


def reject_business_application(*, application_id: int, staff: Any, reason: str) -> BusinessApplication:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Укажите причину отказа: её увидит заявитель."), field="reason")
    with transaction.atomic():
        application = (
            BusinessApplication.objects.select_for_update().select_related("user").filter(pk=application_id).first()
        )
        if application is None or application.status != BusinessApplication.Status.PENDING:
            raise DomainError("application_decided", _("Заявка уже рассмотрена или не найдена."))
        application.status = BusinessApplication.Status.REJECTED
        application.rejection_reason = reason
        application.decided_by = staff
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        audit("business.rejected", actor=staff, channel="backoffice", obj=application, reason=reason)
        _notify(
            application.user,
            _("Заявка на доступ к личному кабинету отклонена"),
            _("Заявка %(organization)s на доступ к личному кабинету отклонена. Причина: %(reason)s")
            % {"organization": application.organization, "reason": reason},
        )
    return application


# --- E-bills -----------------------------------------------------------------------------------


def set_ebill_subscriptions(*, user: Any, numbers: Iterable[str], channel: str = "portal") -> list[str]:
    """Bills by e-mail for exactly these of the user's accounts; returns the numbers that changed."""
    wanted = set(numbers)
    changed = []
    with transaction.atomic():
        links = list(AccountLink.objects.select_for_update().select_related("account").filter(user=user))
        unknown = wanted - {link.account.number for link in links}
        if unknown:  # never someone else's account
            raise DomainError("link_not_found", _("Этого лицевого счёта нет в вашем кабинете."), field="ebill")
        if wanted and not user.email:
            raise DomainError(
                "ebill_needs_email",
                _("Чтобы получать квитанции по e-mail, укажите адрес e-mail в контактных данных."),
                field="ebill",
            )
        for link in links:
            on = link.account.number in wanted
            if link.ebill != on:
                link.ebill = on
                link.save(update_fields=["ebill"])
                audit(
                    "account.ebill_subscribed" if on else "account.ebill_unsubscribed",
                    actor=user,
                    channel=channel,
                    account=link.account,
                    obj=link,
                )
                changed.append(link.account.number)
    return changed
