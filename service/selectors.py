"""Reads for the request pages and the FAQ, always scoped to what the user may see."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import Attachment, FaqEntry, Message, Request


def requests_for_user(user: Any) -> QuerySet[Request]:
    return (
        Request.objects.filter(user=user)
        .select_related("account", "meter")
        .annotate(answers=Count("messages", filter=Q(messages__from_staff=True)))
        .order_by("-created_at", "-id")
    )


def request_for_user(user: Any, request_id: int) -> Request:
    """The user's own request with its thread; 404 for anyone else's, as for one that does not exist."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    request = (
        Request.objects.filter(pk=request_id, user=user)
        .select_related("account__premise", "meter", "assignee")
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.select_related("author").prefetch_related("attachments")),
            Prefetch("attachments", queryset=Attachment.objects.filter(message__isnull=True), to_attr="own_files"),
            "status_changes__by",
        )
        .first()
    )
    if request is None:
        raise Http404
    return request


def attachment_for_user(user: Any, request_id: int, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.filter(pk=attachment_id, request_id=request_id, request__user=user)
        .select_related("request")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def thread(request: Request) -> list[Message]:
    return list(request.messages.all())


def can_rate(request: Request) -> bool:
    return request.is_closed and request.rating is None and any(m.from_staff for m in request.messages.all())


# --- FAQ ------------------------------------------------------------------------------------

_WORDS = re.compile(r"\w+", re.UNICODE)


def _fold(text: str) -> str:
    """Case- and ё-insensitive form of a text (SQLite's LIKE folds only ASCII, so the FAQ is
    searched in Python: it holds tens to hundreds of entries, read in one query)."""
    return text.casefold().replace("ё", "е")


def faq(*, audience: str, query: str = "") -> list[FaqEntry]:
    """Published entries for households or businesses (and those for everyone).

    With a query, an entry matches when every word of it appears in the question, the answer or
    the topic (as the start of a word, so "счетчик" finds "счётчика"); matches in the question come first.
    """
    audiences = [audience, FaqEntry.Audience.ALL] if audience in FaqEntry.Audience.values else [FaqEntry.Audience.ALL]
    entries = list(FaqEntry.objects.filter(published=True, audience__in=audiences).order_by("position", "id"))
    words = [_fold(w) for w in _WORDS.findall(query or "") if len(w) > 1]
    if not words:
        return entries
    scored = []
    for entry in entries:
        question = set(_WORDS.findall(_fold(entry.question + " " + entry.topic)))
        everything = question | set(_WORDS.findall(_fold(entry.answer)))
        if all(any(w.startswith(word) for w in everything) for word in words):
            in_question = sum(any(w.startswith(word) for w in question) for word in words)
            scored.append((-in_question, entry.position, entry.pk, entry))
    return [entry for *_, entry in sorted(scored, key=lambda row: row[:3])]


def faq_sections(entries: list[FaqEntry]) -> list[tuple[str, list[FaqEntry]]]:
    """Entries grouped by topic, topics in the order their first entry comes."""
    sections: dict[str, list[FaqEntry]] = {}
    for entry in entries:
        sections.setdefault(entry.topic, []).append(entry)
    return list(sections.items())
