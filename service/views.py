"""The customer's request pages (list, choose a kind, the kind's form, the thread with an HTMX reply,
closing and rating), the attachment download and the public FAQ."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.errors import DomainError

from . import selectors, services
from .forms import FORMS, RatingForm, ReplyForm
from .kinds import KINDS, details_rows, kinds_for
from .models import Attachment, FaqEntry


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    return render(request, "service/list.html", {"requests": selectors.requests_for_user(request.user)[:200]})


@login_required
def choose_kind(request: HttpRequest) -> HttpResponse:
    return render(request, "service/choose.html", {"kinds": kinds_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, kind: str) -> HttpResponse:
    spec = KINDS.get(kind)
    if spec is None or spec not in kinds_for(request.user):
        raise Http404
    form_class = FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
    else:  # a GET from the meter select (HTMX) keeps what was typed
        form = form_class(user=request.user, initial={k: v for k, v in request.GET.items() if k != "token"})
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.file_request(user=request.user, **form.filing())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Обращение № %(number)s принято. Ответ придёт в личный кабинет; мы сообщим о нём.")
                % {"number": filed.number},
            )
            return redirect("service:detail", request_id=filed.pk)
    meters = form.fields.get("meter")
    has_meters = meters is None or meters.queryset.exists()  # type: ignore[attr-defined]
    context = {"form": form, "spec": spec, "has_meters": has_meters}
    status = 422 if request.method == "POST" else 200
    if request.headers.get("HX-Request") and request.method == "GET":
        return render(request, "service/_request_form.html", context)
    return render(request, "service/new.html", context, status=status)


def _detail_context(request: HttpRequest, obj, reply_form=None, rating_form=None) -> dict:
    # A refusal not tied to a field (closed, already rated...) shows above the conversation: the form
    # it came from may no longer be on the page.
    refusals = [
        *(reply_form.non_field_errors() if reply_form else []),
        *(rating_form.non_field_errors() if rating_form else []),
    ]
    return {
        "refusals": refusals,
        "obj": obj,
        "details": details_rows(obj),
        "thread": selectors.thread(obj),
        "reply_form": reply_form or ReplyForm(),
        "rating_form": rating_form or RatingForm(),
        "can_rate": selectors.can_rate(obj),
    }


@login_required
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    obj = selectors.request_for_user(request.user, request_id)
    return render(request, "service/detail.html", _detail_context(request, obj))


@login_required
@require_POST
def reply(request: HttpRequest, request_id: int) -> HttpResponse:
    obj = selectors.request_for_user(request.user, request_id)
    form = ReplyForm(request.POST, request.FILES)
    status = 200
    if form.is_valid():
        try:
            services.add_customer_message(
                request_id=obj.pk,
                user=request.user,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["uploads"],
                client_token=form.cleaned_data["token"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 422
        else:
            form = ReplyForm()
    else:
        status = 422
    obj = selectors.request_for_user(request.user, request_id)
    context = _detail_context(request, obj, reply_form=form)
    if request.headers.get("HX-Request"):
        # HTMX swaps the conversation in place; a 422 would not be swapped, so errors come as 200.
        return render(request, "service/_conversation.html", context)
    if status == 200:
        return redirect("service:detail", request_id=obj.pk)
    return render(request, "service/detail.html", context, status=status)


@login_required
@require_POST
def close(request: HttpRequest, request_id: int) -> HttpResponse:
    obj = selectors.request_for_user(request.user, request_id)
    services.close_by_customer(request_id=obj.pk, user=request.user)
    messages.success(request, _("Обращение закрыто. Оцените, пожалуйста, ответ."))
    return redirect("service:detail", request_id=obj.pk)


@login_required
@require_POST
def rate(request: HttpRequest, request_id: int) -> HttpResponse:
    obj = selectors.request_for_user(request.user, request_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_request(
                request_id=obj.pk,
                user=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Спасибо за оценку!"))
            return redirect("service:detail", request_id=obj.pk)
    return render(request, "service/detail.html", _detail_context(request, obj, rating_form=form), status=422)


def serve_attachment(attachment: Attachment) -> FileResponse:
    """The file with headers that keep a browser from treating it as anything but what it is."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,  # pictures open in the page; PDFs are downloaded
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment(request: HttpRequest, request_id: int, attachment_id: int) -> FileResponse:
    return serve_attachment(selectors.attachment_for_user(request.user, request_id, attachment_id))


FAQ_PER_MINUTE = 120  # searches per address: generous for people, a brake on scripts


def faq(request: HttpRequest) -> HttpResponse:
    if ratelimit.hit("faq-ip", request.META.get("REMOTE_ADDR", ""), window=60) > FAQ_PER_MINUTE:
        return HttpResponse(_("Слишком много запросов. Подождите минуту."), status=429)
    default = "business" if getattr(request.user, "kind", "") == "business" else "household"
    audience = request.GET.get("for", default)
    if audience not in (FaqEntry.Audience.HOUSEHOLD, FaqEntry.Audience.BUSINESS):
        audience = default
    query = request.GET.get("q", "").strip()[:100]
    entries = selectors.faq(audience=audience, query=query)
    context = {"sections": selectors.faq_sections(entries), "audience": audience, "query": query}
    if request.headers.get("HX-Request"):
        return render(request, "service/_faq_results.html", context)
    return render(request, "service/faq.html", context)
