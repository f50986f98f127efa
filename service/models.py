"""Support requests (online reception): the request, its status history, the conversation with
staff, attachments, the customer's rating; and the FAQ.

Rows change only through ``service.services`` (one transaction each, audited); the back office
shows them read-only and acts through the same services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .storage import private_storage


class Request(models.Model):
    class Kind(models.TextChoices):
        VERIFICATION = "verification", _("внеочередная поверка счётчика")
        REPLACEMENT = "replacement", _("замена счётчика")
        CORRECTION = "correction", _("исправление показаний")
        QUESTION = "question", _("вопрос специалисту")
        COMPLAINT = "complaint", _("жалоба")
        CONTRACT = "contract", _("вопрос по договору (юридические лица)")

    class Status(models.TextChoices):
        NEW = "new", _("новое")
        IN_WORK = "in_work", _("в работе")
        ANSWERED = "answered", _("дан ответ")
        CLOSED = "closed", _("закрыто")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("заявитель"), on_delete=models.PROTECT, related_name="service_requests"
    )
    kind = models.CharField(_("вид обращения"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    subject = models.CharField(_("тема"), max_length=200)
    text = models.TextField(_("текст обращения"), blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("лицевой счёт"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    meter = models.ForeignKey(
        "metering.Meter",
        verbose_name=_("прибор учёта"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    # What the kind's form asked for besides the above (dates, contact phone, readings...); see kinds.py.
    details = models.JSONField(_("данные заявки"), default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("исполнитель"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
    )
    created_at = models.DateTimeField(_("подано"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("последнее изменение"), auto_now=True)
    closed_at = models.DateTimeField(_("закрыто"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("оценка ответа"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("комментарий к оценке"), blank=True)
    rated_at = models.DateTimeField(_("оценено"), null=True, blank=True)
    # The form's one-time token: a repeated POST (double click, retry) finds the request it already filed.
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_token"], name="service_request_once_per_token"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="service_request_rating_1_5",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "assignee"])]

    def __str__(self) -> str:
        return f"№ {self.number} {self.subject}"

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else ""

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class StatusChange(models.Model):
    """One step of a request's status history: from, to, who and when."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("было"), max_length=10, choices=Request.Status.choices, blank=True)
    to_status = models.CharField(_("стало"), max_length=10, choices=Request.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("кто"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    note = models.CharField(_("комментарий"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("смена состояния обращения")
        verbose_name_plural = _("история состояний обращений")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '—'} → {self.to_status}"


class Message(models.Model):
    """One message of the conversation: the customer's or a staff member's."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("автор"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(_("ответ сотрудника"), default=False)
    text = models.TextField(_("текст"))
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    client_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("сообщение по обращению")
        verbose_name_plural = _("сообщения по обращениям")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "client_token"], name="service_message_once_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.text[:40]}"


class Attachment(models.Model):
    """A file a customer or staff member attached; kept in the private storage, never under a public URL."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("файл"), storage=private_storage, upload_to="service/%Y/%m/", max_length=200)
    original_name = models.CharField(_("имя файла"), max_length=200)
    content_type = models.CharField(_("тип"), max_length=50)
    size = models.PositiveIntegerField(_("размер, байт"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("загружено"), auto_now_add=True)

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class FaqEntry(models.Model):
    """A question and its answer for households, businesses or both; edited by staff."""

    class Audience(models.TextChoices):
        HOUSEHOLD = "household", _("физическим лицам")
        BUSINESS = "business", _("юридическим лицам")
        ALL = "all", _("всем")

    audience = models.CharField(_("для кого"), max_length=10, choices=Audience.choices, default=Audience.ALL)
    topic = models.CharField(_("раздел"), max_length=100, blank=True)
    question = models.CharField(_("вопрос"), max_length=300)
    answer = models.TextField(_("ответ"))
    position = models.PositiveSmallIntegerField(_("порядок"), default=100)
    published = models.BooleanField(_("опубликован"), default=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("вопрос FAQ")
        verbose_name_plural = _("частые вопросы (FAQ)")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.question
