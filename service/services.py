"""Every change to a support request: filing, the conversation, status, assignment, rating.

Each function runs in one transaction holding the request's row lock, writes the status history
and the audit entry with the change, and raises :class:`~core.errors.DomainError` (stable code,
Russian message) when a rule says no. The customer is told of each staff answer through
``notifications.services.notify`` inside the same transaction, so an answer that is rolled back is
never announced and an announced one is stored.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError, NotFound
from customers.models import Account, AccountLink
from metering.models import Meter
from notifications.models import Kind as NotificationKind
from notifications.services import notify

from .attachments import CheckedFile
from .kinds import KINDS
from .models import Attachment, Message, Request, StatusChange
from .storage import private_storage

Status = Request.Status

# Statuses staff may set by hand; "answered" comes only with an answer.
STAFF_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.IN_WORK, Status.CLOSED),
    Status.IN_WORK: (Status.CLOSED,),
    Status.ANSWERED: (Status.IN_WORK, Status.CLOSED),
    Status.CLOSED: (),
}
HOUR, DAY = 3600, 86400


def _locked(request_id: int) -> Request:
    try:
        return Request.objects.select_for_update(of=("self",)).select_related("user", "account").get(pk=request_id)
    except Request.DoesNotExist:
        raise NotFound("request_not_found", _("Обращение не найдено.")) from None


def _set_status(request: Request, status: str, *, by: Any, note: str = "") -> None:
    if request.status == status:
        return
    StatusChange.objects.create(request=request, from_status=request.status, to_status=status, by=by, note=note[:500])
    request.status = status
    request.closed_at = timezone.now() if status == Status.CLOSED else None


def _store_files(
    request: Request, files: Sequence[CheckedFile], *, by: Any, message: Message | None
) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            request=request,
            message=message,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=by,
        )
        # A random name on disk: nothing the customer typed reaches the file system.
        attachment.file.save(f"{uuid.uuid4().hex}{checked.extension}", ContentFile(checked.content), save=False)
        _written.get().append(str(attachment.file.name))
        attachment.save()
        stored.append(attachment)
    return stored


# Files written by the change in progress, removed again if it fails (a row is never without its file;
# a crash between the two leaves at most an unreferenced file, which no view can reach).
_written: contextvars.ContextVar[list[str]] = contextvars.ContextVar("service_written_files")


@contextlib.contextmanager
def _files_kept_only_on_success() -> Iterator[None]:
    token = _written.set([])
    try:
        yield
    except BaseException:
        for name in _written.get():
            private_storage().delete(name)
        raise
    finally:
        _written.reset(token)


def _check_rate(user: Any, scope: str, limits: Sequence[tuple[int, int]]) -> None:
    for limit, window in limits:
        if ratelimit.limit_exceeded(f"{scope}-{window}", str(user.pk), limit=limit):
            raise DomainError(
                "request_rate_limited",
                _("Слишком много обращений за последнее время. Попробуйте через час или позвоните нам.")
                if scope == "service-file"
                else _("Слишком много сообщений за час. Попробуйте позже."),
                retry_after=window,
            )


def _count_rate(user: Any, scope: str, limits: Sequence[tuple[int, int]]) -> None:
    for _limit, window in limits:
        ratelimit.hit(f"{scope}-{window}", str(user.pk), window=window)


def _filing_limits() -> list[tuple[int, int]]:
    return [(settings.SERVICE_REQUESTS_PER_HOUR, HOUR), (settings.SERVICE_REQUESTS_PER_DAY, DAY)]


def _message_limits() -> list[tuple[int, int]]:
    return [(settings.SERVICE_MESSAGES_PER_HOUR, HOUR)]


def _linked(user: Any, account: Account | None) -> bool:
    return account is None or AccountLink.objects.filter(user=user, account=account).exists()


def file_request(
    *,
    user: Any,
    kind: str,
    subject: str,
    text: str = "",
    account: Account | None = None,
    meter: Meter | None = None,
    details: dict[str, Any] | None = None,
    files: Sequence[CheckedFile] = (),
    client_token: uuid.UUID | None = None,
    channel: str = "portal",
) -> Request:
    """File a request. A repeated call with the same ``client_token`` returns the request it filed."""
    spec = KINDS.get(kind)
    if spec is None:
        raise DomainError("request_kind_unknown", _("Выберите вид обращения из списка."))
    if client_token is not None:
        existing = Request.objects.filter(user=user, client_token=client_token).first()
        if existing is not None:
            return existing
    if spec.business_only and getattr(user, "kind", "") != "business":
        raise DomainError("request_business_only", _("Вопросы по договору задают юридические лица из своего кабинета."))
    if meter is not None:
        account = meter.account
    if not _linked(user, account):
        raise NotFound("account_not_found", _("Лицевой счёт не найден."), field="account")
    if spec.needs_meter and meter is None:
        raise DomainError("request_meter_required", _("Выберите счётчик."), field="meter")
    if spec.needs_photo and not any(f.is_image for f in files):
        raise DomainError(
            "request_photo_required", _("Приложите фото счётчика, на котором видны показания."), field="uploads"
        )
    if spec.kind in ("question", "complaint", "contract") and not text.strip():
        raise DomainError("request_text_required", _("Опишите ваш вопрос."), field="text")
    _check_rate(user, "service-file", _filing_limits())
    try:
        with _files_kept_only_on_success(), transaction.atomic():
            request = Request.objects.create(
                user=user,
                kind=kind,
                subject=subject[:200],
                text=text.strip(),
                account=account,
                meter=meter,
                details=details or {},
                client_token=client_token,
            )
            StatusChange.objects.create(request=request, from_status="", to_status=Status.NEW, by=user)
            stored = _store_files(request, files, by=user, message=None)
            audit(
                "service.request_filed",
                actor=user,
                channel=channel,
                account=account,
                obj=request,
                changes={"kind": kind, "files": [a.original_name for a in stored]},
            )
    except IntegrityError:
        existing = Request.objects.filter(user=user, client_token=client_token).first() if client_token else None
        if existing is None:
            raise
        return existing  # the same form sent twice at once: the other one filed it
    _count_rate(user, "service-file", _filing_limits())
    return request


def _add_message(
    request: Request, *, author: Any, text: str, files: Sequence[CheckedFile], from_staff: bool, token: Any
) -> tuple[Message, bool]:
    """(the message, created?) — an existing one when the same form's token came again."""
    if token is not None:
        existing = Message.objects.filter(request=request, client_token=token).first()
        if existing is not None:
            return existing, False
    if not text.strip():
        raise DomainError("message_empty", _("Напишите сообщение."), field="text")
    message = Message.objects.create(
        request=request, author=author, from_staff=from_staff, text=text.strip(), client_token=token
    )
    _store_files(request, files, by=author, message=message)
    return message, True


def add_customer_message(
    *,
    request_id: int,
    user: Any,
    text: str,
    files: Sequence[CheckedFile] = (),
    client_token: Any = None,
    channel: str = "portal",
) -> Message:
    """The customer adds to their request; an answered request goes back to staff ("in work")."""
    _check_rate(user, "service-message", _message_limits())
    with _files_kept_only_on_success(), transaction.atomic():
        request = _locked(request_id)
        if request.user_id != user.pk:
            raise NotFound("request_not_found", _("Обращение не найдено."))
        if request.is_closed:
            raise DomainError("request_closed", _("Обращение закрыто. Если вопрос остался, подайте новое обращение."))
        message, created = _add_message(
            request, author=user, text=text, files=files, from_staff=False, token=client_token
        )
        if created:
            if request.status == Status.ANSWERED:
                _set_status(request, Status.IN_WORK, by=user, note=_("Абонент дополнил обращение"))
            request.save()
            audit("service.request_message", actor=user, channel=channel, account=request.account, obj=request)
    if created:
        _count_rate(user, "service-message", _message_limits())
    return message


def _require_staff(staff: Any) -> None:
    if not (getattr(staff, "is_staff", False) and staff.has_perm("service.change_request")):
        raise DomainError("forbidden", _("Отвечать на обращения могут только сотрудники с этим правом."))


def answer_request(
    *,
    request_id: int,
    staff: Any,
    text: str,
    files: Sequence[CheckedFile] = (),
    close: bool = False,
    client_token: Any = None,
    tell_customer: bool = True,
) -> Message:
    """A staff answer: the request becomes "answered" (or closed) and the customer is told.

    ``tell_customer=False`` only records an answer given before (demo data, a history taken over).
    """
    _require_staff(staff)
    with _files_kept_only_on_success(), transaction.atomic():
        request = _locked(request_id)
        if request.is_closed:
            raise DomainError("request_closed", _("Обращение уже закрыто."))
        message, created = _add_message(
            request, author=staff, text=text, files=files, from_staff=True, token=client_token
        )
        if not created:
            return message
        if request.assignee_id is None:
            request.assignee = staff
        _set_status(request, Status.CLOSED if close else Status.ANSWERED, by=staff)
        request.save()
        audit(
            "service.request_answered",
            actor=staff,
            channel="backoffice",
            account=request.account,
            obj=request,
            changes={"message": message.pk, "status": request.status},
        )
        if not tell_customer:
            return message
        url = settings.SITE_URL.rstrip("/") + reverse("service:detail", args=[request.pk])
        notify(
            user=request.user,
            kind=NotificationKind.REQUEST_ANSWERS,
            subject=_("Ответ на обращение № %(number)s") % {"number": request.number},
            text=_("Ответ на ваше обращение № %(number)s: «%(excerpt)s» Подробнее в личном кабинете.")
            % {"number": request.number, "excerpt": Truncator(message.text).chars(160)},
            url=url,
            account=request.account,
            event_key=f"request-answer-{message.pk}",
        )
    return message


def change_status(*, request_id: int, staff: Any, status: str, note: str = "") -> Request:
    _require_staff(staff)
    with transaction.atomic():
        request = _locked(request_id)
        if status not in STAFF_TRANSITIONS[request.status]:
            raise DomainError(
                "status_transition",
                _("Из состояния «%(from)s» нельзя перевести в «%(to)s».")
                % {
                    "from": request.get_status_display(),
                    "to": Status(status).label if status in Status.values else status,
                },
                field="status",
            )
        before = request.status
        _set_status(request, status, by=staff, note=note)
        request.save()
        audit(
            "service.request_status_changed",
            actor=staff,
            channel="backoffice",
            account=request.account,
            obj=request,
            changes={"from": before, "to": status},
            reason=note,
        )
    return request


def assign_request(*, request_id: int, staff: Any, assignee: Any) -> Request:
    """Give the request to a staff member who may answer it; a new request goes "in work"."""
    _require_staff(staff)
    if assignee is not None and not (
        assignee.is_active and assignee.is_staff and assignee.has_perm("service.change_request")
    ):
        raise DomainError("assignee_invalid", _("Этот сотрудник не работает с обращениями."), field="assignee")
    with transaction.atomic():
        request = _locked(request_id)
        if request.is_closed:
            raise DomainError("request_closed", _("Обращение уже закрыто."))
        before = request.assignee_id
        request.assignee = assignee
        if assignee is not None and request.status == Status.NEW:
            _set_status(request, Status.IN_WORK, by=staff)
        request.save()
        audit(
            "service.request_assigned",
            actor=staff,
            channel="backoffice",
            account=request.account,
            obj=request,
            changes={"from": before, "to": assignee.pk if assignee else None},
        )
    return request


def close_by_customer(*, request_id: int, user: Any, channel: str = "portal") -> Request:
    with transaction.atomic():
        request = _locked(request_id)
        if request.user_id != user.pk:
            raise NotFound("request_not_found", _("Обращение не найдено."))
        if request.is_closed:
            return request
        _set_status(request, Status.CLOSED, by=user, note=_("Закрыто абонентом"))
        request.save()
        audit("service.request_closed", actor=user, channel=channel, account=request.account, obj=request)
    return request


def rate_request(*, request_id: int, user: Any, score: int, comment: str = "", channel: str = "portal") -> Request:
    """The customer rates the answer once the request is closed, once."""
    if score not in range(1, 6):
        raise DomainError("rating_invalid", _("Оценка — от 1 до 5."), field="score")
    with transaction.atomic():
        request = _locked(request_id)
        if request.user_id != user.pk:
            raise NotFound("request_not_found", _("Обращение не найдено."))
        if not request.is_closed:
            raise DomainError("rating_not_closed", _("Оценить ответ можно после закрытия обращения."))
        if not request.messages.filter(from_staff=True).exists():
            raise DomainError("rating_no_answer", _("По этому обращению не было ответа специалиста."))
        if request.rating is not None:
            raise DomainError("rating_done", _("Вы уже оценили ответ. Спасибо!"))
        request.rating = score
        request.rating_comment = comment.strip()[:1000]
        request.rated_at = timezone.now()
        request.save()
        audit(
            "service.request_rated",
            actor=user,
            channel=channel,
            account=request.account,
            obj=request,
            changes={"rating": score},
        )
    return request
