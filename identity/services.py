"""Registration, recovery, quick login by account, phone change, sessions, consents and e-mail.

Every answer about a phone or an account is the same whether it is known or not, so nobody learns
from it who is a customer. Flows that prove more (registration by account, business customers) live
in ``customers.services`` and reuse :func:`check_registration`, :func:`start_registration` and
:func:`confirm_registration`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError
from notifications.selectors import preferences_for
from notifications.services import send_email, send_sms

from .codes import claim_code_request, issue_code, issue_decoy, send_code, verify_code
from .models import Consent, OneTimeCode, User
from .phones import mask_phone


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError("password_weak", " ".join(error.messages), field="password1") from None


def check_registration(
    *,
    phone: str,
    password: str,
    accept_terms: bool,
    accept_personal_data: bool,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
) -> None:
    """What every sign-up checks before anything that depends on who the phone or account belongs to.

    Flows that prove more (an account's bill code, a company's details) call it first, so a weak
    password is never answered differently for a right and a wrong account.
    """
    if not accept_terms:
        raise DomainError("terms_required", _("Примите пользовательское соглашение."), field="accept_terms")
    if not accept_personal_data:
        raise DomainError(
            "personal_data_required",
            _("Дайте согласие на обработку персональных данных."),
            field="accept_personal_data",
        )
    _check_password(password, User(phone=phone, last_name=last_name, first_name=first_name, email=email))


def start_registration(
    *,
    phone: str,
    password: str,
    accept_terms: bool,
    accept_personal_data: bool,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
) -> None:
    """Create an inactive user and send the confirmation code; a known phone gets a notice instead.

    The answer is the same either way; the caller keeps what the flow must finish (an account to
    link, a company's application) in the session and hands it to :func:`confirm_registration`.
    """
    profile = {"last_name": last_name.strip(), "first_name": first_name.strip(), "email": email.strip()}
    check_registration(
        phone=phone, password=password, accept_terms=accept_terms, accept_personal_data=accept_personal_data, **profile
    )
    # Before anything that depends on who the phone belongs to: the pause and the hourly limit
    # answer the same for a known and a new phone.
    claim_code_request(purpose=OneTimeCode.Purpose.REGISTER, key=phone)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(phone=phone).first()
        if user is not None and user.is_active:
            # Tell the owner by SMS; the confirmation waits for a code no answer matches, as a new
            # phone's wrong tries do.
            send_sms(phone, _("Этот номер уже зарегистрирован в личном кабинете. Войдите или восстановите пароль."))
            issue_decoy(purpose=OneTimeCode.Purpose.REGISTER, phone=phone)
            return
        candidate = user or User(phone=phone, is_active=False)
        for name, value in profile.items():
            setattr(candidate, name, value)
        candidate.email_confirmed = False
        candidate.set_password(password)
        candidate.save()
        for document in (Consent.Document.TERMS, Consent.Document.PERSONAL_DATA):
            Consent.objects.create(
                user=candidate, document=document, version=settings.LEGAL_DOCUMENT_VERSIONS[document]
            )
        send_code(purpose=OneTimeCode.Purpose.REGISTER, phone=phone)


def confirm_registration(
    *, phone: str, code: str, finish: Callable[[User], None] | None = None, channel: str = "portal"
) -> User:
    """Activate the user once the SMS code is right.

    ``finish`` completes what the flow started (links the account proved by its bill code, files a
    company's application) in the same transaction as the activation. The code is checked first and
    on its own, so a wrong try is counted even though the rest never runs.
    """
    verify_code(purpose=OneTimeCode.Purpose.REGISTER, phone=phone, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(phone=phone)
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit("user.registered", actor=user, channel=channel, obj=user)
        if finish is not None:
            finish(user)
        if user.email and not user.email_confirmed:
            request_email_confirmation(user=user)
    return user


def start_recovery(*, phone: str) -> None:
    """Send a recovery code if the phone belongs to an active user; answer the same either way.

    The request is claimed (pause, hourly limit) before the phone is looked up; an unknown phone
    gets a decoy code, so the reset answers its wrong tries as it answers a known phone's.
    """
    claim_code_request(purpose=OneTimeCode.Purpose.RECOVER, key=phone)
    if User.objects.filter(phone=phone, is_active=True).exists():
        send_code(purpose=OneTimeCode.Purpose.RECOVER, phone=phone)
    else:
        issue_decoy(purpose=OneTimeCode.Purpose.RECOVER, phone=phone)


def finish_recovery(*, phone: str, code: str, password: str, channel: str = "portal") -> User:
    user = User.objects.filter(phone=phone, is_active=True).first()
    # The same checks in the same order for an unknown phone: the password, then the (decoy) code.
    _check_password(password, user or User(phone=phone))
    verify_code(purpose=OneTimeCode.Purpose.RECOVER, phone=phone, code=code)
    if user is None:  # pragma: no cover - a decoy code matches no answer
        raise DomainError("code_invalid", _("Неверный код."), field="code")
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit("user.password_recovered", actor=user, channel=channel, obj=user)
    return user


def _owner_by_account(number: str) -> User | None:
    """The active user whose phone is the account holder's phone on record."""
    from customers.models import Account  # customers depends on identity, not the other way round

    account = Account.objects.select_related("customer").filter(number=number, status=Account.Status.ACTIVE).first()
    if account is None or not account.customer.phone:
        return None
    return User.objects.filter(phone=account.customer.phone, is_active=True, account_links__account=account).first()


# Quick login by account number: requests for a code and wrong codes count together, per account,
# per holder's phone and per IP address, whether the account exists or not.
QUICK_LOGIN_LIMIT = 5
QUICK_LOGIN_IP_LIMIT = 20
QUICK_LOGIN_WINDOW = 15 * 60


def login_locked_error(window: int) -> DomainError:
    """The one message for every kind of login that waits: it says when to try again."""
    return DomainError(
        "login_locked",
        _("Слишком много неудачных попыток входа. Попробуйте снова через %(minutes)s минут.")
        % {"minutes": window // 60},
        retry_after=window,
    )


def _quick_login_counters(number: str, ip: str) -> list[tuple[str, str, int]]:
    return [("quick-login-account", number, QUICK_LOGIN_LIMIT), ("quick-login-ip", ip, QUICK_LOGIN_IP_LIMIT)]


def _quick_login_guard(counters: list[tuple[str, str, int]]) -> None:
    if any(ratelimit.limit_exceeded(scope, ident, limit=limit) for scope, ident, limit in counters):
        raise login_locked_error(QUICK_LOGIN_WINDOW)


def _quick_login_count(counters: list[tuple[str, str, int]]) -> None:
    for scope, ident, _limit in counters:
        ratelimit.hit(scope, ident, window=QUICK_LOGIN_WINDOW)


def _quick_login_owner(number: str) -> User | None:
    """The holder to send the code to, or None: unknown, or their phone has used up its tries.

    The holder's phone counts tries over all their accounts; once it is used up the account is
    answered as an unknown one (a decoy code), never with a lockout an unknown account would not get.
    """
    user = _owner_by_account(number)
    if user is not None and ratelimit.limit_exceeded("quick-login-phone", user.phone, limit=QUICK_LOGIN_LIMIT):
        return None
    return user


def _decoy_key(number: str) -> str:
    return "#" + number  # never a phone: a quick-login decoy code is kept under the account number


def start_code_login(*, account_number: str, ip: str = "") -> None:
    """Quick login: a code goes by SMS to the account holder's phone; the answer never says whether."""
    counters = _quick_login_counters(account_number, ip)
    _quick_login_guard(counters)
    claim_code_request(purpose=OneTimeCode.Purpose.LOGIN, key=account_number, count_hour=False)
    _quick_login_count(counters)
    user = _quick_login_owner(account_number)
    if user is None:
        issue_decoy(purpose=OneTimeCode.Purpose.LOGIN, phone=_decoy_key(account_number))
        return
    ratelimit.hit("quick-login-phone", user.phone, window=QUICK_LOGIN_WINDOW)
    send_code(purpose=OneTimeCode.Purpose.LOGIN, phone=user.phone)


def finish_code_login(*, account_number: str, code: str, ip: str = "", channel: str = "portal") -> User:
    counters = _quick_login_counters(account_number, ip)
    _quick_login_guard(counters)
    user = _quick_login_owner(account_number)
    try:
        # An unknown account's tries go to its decoy code: the same answers as a known one's.
        phone = user.phone if user is not None else _decoy_key(account_number)
        verify_code(purpose=OneTimeCode.Purpose.LOGIN, phone=phone, code=code)
        if user is None:  # pragma: no cover - a decoy code matches no answer
            raise DomainError("code_invalid", _("Неверный код."), field="code")
    except DomainError:
        _quick_login_count(counters)
        if user is not None:
            ratelimit.hit("quick-login-phone", user.phone, window=QUICK_LOGIN_WINDOW)
        raise
    ratelimit.reset("quick-login-account", account_number)
    ratelimit.reset("quick-login-phone", user.phone)
    audit("user.code_login", actor=user, channel=channel, obj=user)
    return user


# Changing the login phone: the new number proves itself with a code, the old one is told.
PHONE_CHANGE_LIMIT = 5
PHONE_CHANGE_WINDOW = 3600


def _phone_taken() -> DomainError:
    return DomainError(
        "phone_taken",
        _("Этот номер уже используется другим кабинетом. Если это ваш номер, войдите с ним или позвоните нам."),
        field="phone",
    )


def start_phone_change(*, user: User, new_phone: str, password: str) -> None:
    """Send a code to the new phone after the current password is confirmed; nothing changes yet."""
    if ratelimit.limit_exceeded("phone-change-user", str(user.pk), limit=PHONE_CHANGE_LIMIT):
        raise DomainError(
            "phone_change_locked",
            _("Слишком много попыток сменить номер. Попробуйте через час."),
            retry_after=PHONE_CHANGE_WINDOW,
        )
    ratelimit.hit("phone-change-user", str(user.pk), window=PHONE_CHANGE_WINDOW)
    if not user.check_password(password):
        raise DomainError("password_wrong", _("Неверный пароль."), field="password")
    if new_phone == user.phone:
        raise DomainError("phone_same", _("Это ваш текущий номер."), field="phone")
    if User.objects.filter(phone=new_phone).exclude(pk=user.pk).exists():
        raise _phone_taken()
    issue_code(purpose=OneTimeCode.Purpose.CHANGE_PHONE, phone=new_phone)


def confirm_phone_change(*, user: User, new_phone: str, code: str) -> User:
    """Switch the login phone once the code sent to it is right; the old phone gets an SMS notice."""
    verify_code(purpose=OneTimeCode.Purpose.CHANGE_PHONE, phone=new_phone, code=code)
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            if User.objects.filter(phone=new_phone).exclude(pk=user.pk).exists():
                raise _phone_taken()
            old_phone = locked.phone
            locked.phone = new_phone
            locked.save(update_fields=["phone"])
            audit(
                "user.phone_changed",
                actor=locked,
                channel="portal",
                obj=locked,
                changes={"phone": [mask_phone(old_phone), mask_phone(new_phone)]},
            )
            send_sms(
                old_phone,
                _(
                    "Телефон для входа в личный кабинет изменён на %(phone)s. Если это сделали не вы, позвоните %(hotline)s."
                )
                % {"phone": mask_phone(new_phone), "hotline": settings.COMPANY["phone"]},
            )
    except IntegrityError:  # taken by someone else between the check and the save
        raise _phone_taken() from None
    user.phone = new_phone
    return locked


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
    from billing import selectors as billing_selectors
    from customers.models import AccountLink
    from metering.models import Reading

    links = AccountLink.objects.filter(user=user).select_related("account__premise", "account__customer")
    return {
        "user": {
            "phone": user.phone, "last_name": user.last_name, "first_name": user.first_name,
            "middle_name": user.middle_name, "email": user.email, "date_joined": user.date_joined.isoformat(),
            "kind": user.kind,
        },
        "notification_channels": preferences_for(user),
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
                "number": link.account.number, "alias": link.alias, "group": link.group, "ebill": link.ebill,
                "address": link.account.premise.address,
                "readings": [
                    {"meter": r.meter.serial, "zone": r.zone, "value": r.value, "taken_on": r.taken_on.isoformat(),
                     "period": str(r.period), "source": r.source, "state": r.state}
                    for r in billing_selectors.as_shown(
                        Reading.objects.filter(meter__account=link.account, entered_by=user).select_related("meter")
                    )
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
