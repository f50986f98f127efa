"""Back office for requests (the queue, the thread with the answer form, status and assignment) and
the FAQ. Requests change only through ``service.services``: the page never saves a model form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError

from . import services
from .forms import StaffReplyForm
from .kinds import details_rows
from .models import Attachment, FaqEntry, Request
from .views import serve_attachment

Status = Request.Status


def answering_staff() -> QuerySet:
    """Active staff who may answer requests (the assignee choices)."""
    user_model = get_user_model()
    can = Q(groups__permissions__codename="change_request", groups__permissions__content_type__app_label="service")
    can |= Q(user_permissions__codename="change_request", user_permissions__content_type__app_label="service")
    return (
        user_model.objects.filter(Q(is_superuser=True) | can, is_active=True, is_staff=True)
        .distinct()
        .order_by("last_name", "first_name", "phone")
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Новое состояние"))
    note = forms.CharField(label=gettext_lazy("Комментарий"), required=False, max_length=500)

    def __init__(self, *args: Any, request: Request, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s, Status(s).label) for s in services.STAFF_TRANSITIONS[request.status]
        ]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Исполнитель"), queryset=get_user_model().objects.none(), required=False,
        empty_label=gettext_lazy("— не назначен —"),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = answering_staff()  # type: ignore[attr-defined]


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("исполнитель")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("мне")), ("nobody", _("никому"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "nobody":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("открытые")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("ждут ответа (новые и в работе)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status__in=[Status.NEW, Status.IN_WORK])
        return queryset


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin):
    list_display = ("number_link", "subject", "kind", "status", "user", "account", "assignee", "created_at", "updated_at", "rating")  # fmt: skip
    list_filter = (OpenFilter, "status", "kind", AssigneeFilter, "rating", "created_at")
    search_fields = ("=id", "subject", "text", "user__phone", "user__last_name", "account__number", "meter__serial")
    search_help_text = gettext_lazy(
        "Номер обращения, телефон или фамилия заявителя, лицевой счёт, номер счётчика, слова из текста."
    )
    list_select_related = ("user", "account", "assignee")
    date_hierarchy = "created_at"
    actions = ["take"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers file requests in the portal

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Номер"), ordering="id")
    def number_link(self, obj: Request) -> str:
        return format_html('<a href="{}">№ {}</a>', reverse("admin:service_request_change", args=[obj.pk]), obj.number)

    @admin.action(description=gettext_lazy("Взять в работу (назначить на меня)"), permissions=["change"])
    def take(self, request: HttpRequest, queryset: QuerySet[Request]) -> None:
        taken = 0
        for obj in queryset:
            try:
                services.assign_request(request_id=obj.pk, staff=request.user, assignee=request.user)
            except DomainError as error:
                self.message_user(request, f"№ {obj.number}: {error.message}", messages.WARNING)
            else:
                taken += 1
        if taken:
            self.message_user(request, _("Назначено на вас: %(n)s.") % {"n": taken}, messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:request_id>/reply/", view(require_POST(self.reply_view)), name="service_request_reply"),
            path("<int:request_id>/status/", view(require_POST(self.status_view)), name="service_request_status"),
            path("<int:request_id>/assign/", view(require_POST(self.assign_view)), name="service_request_assign"),
            path("<int:request_id>/files/<int:attachment_id>/", view(self.file_view), name="service_request_file"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, obj: Request, **forms_: Any) -> TemplateResponse:
        can_answer = request.user.has_perm("service.change_request") and not obj.is_closed
        context = {
            **self.admin_site.each_context(request),
            "title": _("Обращение № %(number)s") % {"number": obj.number},
            "obj": obj,
            "details": details_rows(obj),
            "thread": list(obj.messages.select_related("author").prefetch_related("attachments")),
            "own_files": list(obj.attachments.filter(message__isnull=True)),
            "history": list(obj.status_changes.select_related("by")),
            "can_answer": can_answer,
            "reply_form": forms_.get("reply_form") or StaffReplyForm(),
            "status_form": forms_.get("status_form") or StatusForm(request=obj),
            "assign_form": forms_.get("assign_form") or AssignForm(initial={"assignee": obj.assignee_id}),
            "opts": self.model._meta,
            "customer_id": obj.account.customer_id if obj.account_id else None,  # type: ignore[union-attr]
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/service/request/thread.html", context)

    def _get(self, request_id: Any) -> Request:
        return get_object_or_404(
            Request.objects.select_related("user", "account__premise", "meter", "assignee"), pk=request_id
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._page(request, self._get(object_id))

    def _require_answer(self, request: HttpRequest) -> None:
        if not request.user.has_perm("service.change_request"):
            raise PermissionDenied

    def reply_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        self._require_answer(request)
        obj = self._get(request_id)
        form = StaffReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.answer_request(
                    request_id=obj.pk,
                    staff=request.user,
                    text=form.cleaned_data["text"],
                    files=form.cleaned_data["uploads"],
                    close=form.cleaned_data["close"],
                    client_token=form.cleaned_data["token"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Ответ отправлен; абонент получит уведомление."))
                return redirect("admin:service_request_change", obj.pk)
        return self._page(request, obj, reply_form=form)

    def status_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        self._require_answer(request)
        obj = self._get(request_id)
        form = StatusForm(request.POST, request=obj)
        if form.is_valid():
            try:
                services.change_status(
                    request_id=obj.pk,
                    staff=request.user,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Состояние изменено."))
                return redirect("admin:service_request_change", obj.pk)
        return self._page(request, obj, status_form=form)

    def assign_view(self, request: HttpRequest, request_id: int) -> HttpResponse:
        self._require_answer(request)
        obj = self._get(request_id)
        form = AssignForm(request.POST)
        if request.POST.get("me"):
            form = AssignForm({"assignee": request.user.pk})
        if form.is_valid():
            try:
                services.assign_request(request_id=obj.pk, staff=request.user, assignee=form.cleaned_data["assignee"])
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Исполнитель назначен."))
                return redirect("admin:service_request_change", obj.pk)
        return self._page(request, obj, assign_form=form)

    def file_view(self, request: HttpRequest, request_id: int, attachment_id: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return serve_attachment(get_object_or_404(Attachment, pk=attachment_id, request_id=request_id))


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "topic", "audience", "position", "published", "updated_at")
    list_editable = ("position", "published")
    list_filter = ("audience", "published", "topic")
    search_fields = ("question", "answer", "topic")
    fields = ("audience", "topic", "question", "answer", "position", "published")
