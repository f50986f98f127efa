"""Users of the portal and the back office. A user logs in with a mobile phone number."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .phones import normalize_phone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, phone: str, password: str | None, **extra: Any) -> User:
        user = self.model(phone=normalize_phone(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(phone, password, **extra)

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(phone, password, **extra)


class User(AbstractUser):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("физическое лицо")
        BUSINESS = "business", _("юридическое лицо")

    username = None  # type: ignore[assignment]
    phone = models.CharField(_("мобильный телефон"), max_length=12, unique=True, help_text=_("В формате +79991234567."))
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    # Part of the session hash: raising it ends every session of the user ("выйти на всех устройствах").
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    email_confirmed = models.BooleanField(_("e-mail подтверждён"), default=False)
    # A business user reaches accounts only after staff approve their application (customers.BusinessApplication).
    kind = models.CharField(_("тип кабинета"), max_length=10, choices=Kind.choices, default=Kind.HOUSEHOLD)

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.get_full_name() or self.phone

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "identity.User.session", f"{self.password}:{self.session_generation}", algorithm="sha256"
        ).hexdigest()


class OneTimeCode(models.Model):
    """A code sent by SMS. Only its keyed hash is stored; it is single use, short-lived and
    allows a few wrong tries."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("регистрация")
        LOGIN = "login", _("вход по коду")
        RECOVER = "recover", _("восстановление пароля")
        CHANGE_PHONE = "change_phone", _("смена телефона")

    purpose = models.CharField(_("назначение"), max_length=20, choices=Purpose.choices)
    phone = models.CharField(_("телефон"), max_length=12)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("одноразовый код")
        verbose_name_plural = _("одноразовые коды")
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.phone}"


class Consent(models.Model):
    """Acceptance of one legal document in one version; withdrawing keeps the record."""

    class Document(models.TextChoices):
        TERMS = "terms", _("пользовательское соглашение")
        PERSONAL_DATA = "personal_data", _("согласие на обработку персональных данных")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(_("документ"), max_length=20, choices=Document.choices)
    version = models.CharField(_("версия"), max_length=20)
    accepted_at = models.DateTimeField(_("принято"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("отозвано"), null=True, blank=True)

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.version}"


class LoginEvent(models.Model):
    """A sign-in or a failed attempt, for the customer's own login history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_events")
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    success = models.BooleanField(_("успешно"))
    ip = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    user_agent = models.CharField(_("браузер"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("вход")
        verbose_name_plural = _("история входов")
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%d.%m.%Y %H:%M}"
