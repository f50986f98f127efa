"""Reads: which channel a user wants for a kind of message, and the user's notification centre."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from .models import DEFAULT_CHANNELS, Channel, ChannelPreference, Kind, Notification

UNREAD_CACHE_SECONDS = 300


def preferences_for(user: Any) -> dict[str, str]:
    """Every kind with the user's chosen channel, or the default where they chose nothing."""
    stored = dict(ChannelPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: stored.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values}


def _usable(user: Any, kind: str, chosen: str) -> str:
    # E-mail only to a confirmed address; until then service messages go by SMS and news not at all.
    if chosen == Channel.EMAIL and not (getattr(user, "email", "") and getattr(user, "email_confirmed", False)):
        return Channel.NONE if kind == Kind.NEWS else Channel.SMS
    return chosen


def channel_for(user: Any, kind: str) -> str:
    """The channel to use now for ``kind``: ``"sms"``, ``"email"``, ``"portal"`` or ``"none"``.

    E-mail is used only once the address is confirmed; until then service messages go by SMS and
    news not at all.
    """
    if kind not in DEFAULT_CHANNELS:
        raise ValueError(f"unknown kind of message: {kind!r}")
    chosen = (
        ChannelPreference.objects.filter(user=user, kind=kind).values_list("channel", flat=True).first()
        or DEFAULT_CHANNELS[kind]
    )
    return _usable(user, kind, chosen)


def channels_for_users(users: Iterable[Any], kind: str) -> dict[int, str]:
    """:func:`channel_for` for many users in one query: user id -> channel."""
    if kind not in DEFAULT_CHANNELS:
        raise ValueError(f"unknown kind of message: {kind!r}")
    people = {user.pk: user for user in users}
    chosen = dict(ChannelPreference.objects.filter(user_id__in=people, kind=kind).values_list("user_id", "channel"))
    return {pk: _usable(user, kind, chosen.get(pk, DEFAULT_CHANNELS[kind])) for pk, user in people.items()}


# --- The notification centre ----------------------------------------------------------------------


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """The bell's number: one indexed count, remembered until the user's notifications change."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first (the page slices it)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def group_by_user(pairs: Iterable[tuple[int, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for user_id, item in pairs:
        grouped[user_id].append(item)
    return grouped
