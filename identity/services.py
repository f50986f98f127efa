"""Registration and password recovery by phone. Every answer is the same whether the phone is
known or not, so nobody learns from it who is a customer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError
from notifications.services import send_email, send_sms

from .codes import issue_code, verify_code
from .models import Consent, OneTimeCode, User


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError("password_weak", " ".join(error.messages), field="password1") from None


def start_registration(*, phone: str, password: str, accept_terms: bool, accept_personal_data: bool) -> None:
    """Create an inactive user and send the confirmation code; a known phone gets a notice instead."""
    if not accept_terms:
        raise DomainError("terms_required", _("Примите пользовательское соглашение."), field="accept_terms")
    if not accept_personal_data:
        raise DomainError(
            "personal_data_required",
            _("Дайте согласие на обработку персональных данных."),
            field="accept_personal_data",
        )
    _check_password(password, User(phone=phone))  # before anything depends on whether the phone is known
    with transaction.atomic():
        user = User.objects.select_for_update().filter(phone=phone).first()
        if user is not None and user.is_active:
            # Tell the owner by SMS; the page answers exactly as for a new phone, pause included.
            if ratelimit.limit_exceeded("register-notice", phone, limit=1):
                raise DomainError(
                    "code_resend_too_soon",
                    _("Новый код можно запросить через %(seconds)s с.") % {"seconds": settings.OTP_RESEND_SECONDS},
                )
            ratelimit.hit("register-notice", phone, window=settings.OTP_RESEND_SECONDS)
            send_sms(phone, _("Этот номер уже зарегистрирован в личном кабинете. Войдите или восстановите пароль."))
            return
        candidate = user or User(phone=phone, is_active=False)
        candidate.set_password(password)
        candidate.save()
        for document in (Consent.Document.TERMS, Consent.Document.PERSONAL_DATA):
            Consent.objects.create(
                user=candidate, document=document, version=settings.LEGAL_DOCUMENT_VERSIONS[document]
            )
        issue_code(purpose=OneTimeCode.Purpose.REGISTER, phone=phone)


def confirm_registration(*, phone: str, code: str) -> User:
    verify_code(purpose=OneTimeCode.Purpose.REGISTER, phone=phone, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(phone=phone)
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit("user.registered", actor=user, channel="portal", obj=user)
    return user


def start_recovery(*, phone: str) -> None:
    """Send a recovery code if the phone belongs to an active user; answer the same either way."""
    if User.objects.filter(phone=phone, is_active=True).exists():
        issue_code(purpose=OneTimeCode.Purpose.RECOVER, phone=phone)


def finish_recovery(*, phone: str, code: str, password: str) -> User:
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:  # the same refusal a wrong code gets
        raise DomainError("code_invalid", _("Неверный код."), field="code")
    _check_password(password, user)
    verify_code(purpose=OneTimeCode.Purpose.RECOVER, phone=phone, code=code)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit("user.password_recovered", actor=user, channel="portal", obj=user)
    return user


def _owner_by_account(number: str) -> User | None:
    """The active user whose phone is the account holder's phone on record."""
    from customers.models import Account  # customers depends on identity, not the other way round

    account = Account.objects.select_related("customer").filter(number=number, status=Account.Status.ACTIVE).first()
    if account is None or not account.customer.phone:
        return None
    return User.objects.filter(phone=account.customer.phone, is_active=True, account_links__account=account).first()


def start_code_login(*, account_number: str) -> None:
    """Quick login: a code goes by SMS to the account holder's phone; the answer never says whether."""
    user = _owner_by_account(account_number)
    if user is not None:
        issue_code(purpose=OneTimeCode.Purpose.LOGIN, phone=user.phone)


def finish_code_login(*, account_number: str, code: str) -> User:
    user = _owner_by_account(account_number)
    if user is None:
        raise DomainError("code_invalid", _("Неверный код."), field="code")
    verify_code(purpose=OneTimeCode.Purpose.LOGIN, phone=user.phone, code=code)
    audit("user.code_login", actor=user, channel="portal", obj=user)
    return user


def end_other_sessions(*, user: User) -> None:
    """Sign out everywhere: every session's hash changes; the caller keeps its own session alive."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
        audit("user.sessions_ended", actor=user, channel="portal", obj=user)


def withdraw_consent(*, user: User, consent_id: int) -> Consent:
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update().filter(user=user, pk=consent_id, withdrawn_at__isnull=True).first()
        )
        if consent is None:
            raise DomainError("consent_not_found", _("Такого действующего согласия нет."))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit(
            "user.consent_withdrawn", actor=user, channel="portal", obj=consent, changes={"document": consent.document}
        )
    return consent


def export_personal_data(*, user: User) -> dict[str, Any]:
    """Everything stored about the user and their linked accounts, as plain JSON-able data."""
    from customers.models import AccountLink
    from metering.models import Reading

    links = AccountLink.objects.filter(user=user).select_related("account__premise", "account__customer")
    return {
        "user": {
            "phone": user.phone, "last_name": user.last_name, "first_name": user.first_name,
            "middle_name": user.middle_name, "email": user.email, "date_joined": user.date_joined.isoformat(),
        },
        "consents": [
            {"document": c.document, "version": c.version, "accepted_at": c.accepted_at.isoformat(),
             "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
            for c in user.consents.order_by("accepted_at")
        ],
        "logins": [
            {"at": e.at.isoformat(), "success": e.success, "ip": e.ip, "user_agent": e.user_agent}
            for e in user.login_events.all()[:100]
        ],
        "accounts": [
            {
                "number": link.account.number, "alias": link.alias, "group": link.group,
                "address": link.account.premise.address,
                "readings": [
                    {"meter": r.meter.serial, "zone": r.zone, "value": r.value, "taken_on": r.taken_on.isoformat(),
                     "period": str(r.period), "source": r.source, "state": r.state}
                    for r in Reading.objects.filter(meter__account=link.account, entered_by=user).select_related("meter")
                ],
            }
            for link in links
        ],
    }  # fmt: skip


_EMAIL_SALT = "identity.email-confirm"


def request_email_confirmation(*, user: User) -> None:
    """Mail a signed link that confirms the user's current e-mail address."""
    if not user.email:
        return
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=_EMAIL_SALT)
    link = settings.SITE_URL.rstrip("/") + reverse("portal:confirm_email", args=[token])
    send_email(
        user.email,
        _("Подтверждение e-mail"),
        _("Чтобы подтвердить адрес для квитанций и уведомлений, откройте ссылку (действует сутки):\n%(link)s")
        % {"link": link},
    )


def confirm_email(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=_EMAIL_SALT, max_age=settings.EMAIL_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(
            "email_link_expired", _("Ссылка устарела. Запросите подтверждение ещё раз в профиле.")
        ) from None
    except signing.BadSignature:
        raise DomainError("email_link_invalid", _("Ссылка недействительна.")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data["user"], email=data["email"]).first()
        if user is None:  # the address was changed after the link was sent
            raise DomainError("email_link_invalid", _("Ссылка недействительна."))
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
        audit("user.email_confirmed", actor=user, channel="email", obj=user)
    return user
