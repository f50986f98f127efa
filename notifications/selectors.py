"""Reads other features call before sending: which channel a user wants for a kind of message."""

from __future__ import annotations

from typing import Any

from .models import DEFAULT_CHANNELS, Channel, ChannelPreference, Kind


def preferences_for(user: Any) -> dict[str, str]:
    """Every kind with the user's chosen channel, or the default where they chose nothing."""
    stored = dict(ChannelPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: stored.get(kind, DEFAULT_CHANNELS[kind]) for kind in Kind.values}


def channel_for(user: Any, kind: str) -> str:
    """The channel to use now for ``kind``: ``"sms"``, ``"email"`` or ``"none"``.

    E-mail is used only once the address is confirmed; until then service messages go by SMS and
    news not at all.
    """
    if kind not in DEFAULT_CHANNELS:
        raise ValueError(f"unknown kind of message: {kind!r}")
    chosen = (
        ChannelPreference.objects.filter(user=user, kind=kind).values_list("channel", flat=True).first()
        or DEFAULT_CHANNELS[kind]
    )
    if chosen == Channel.EMAIL and not (getattr(user, "email", "") and getattr(user, "email_confirmed", False)):
        return Channel.NONE if kind == Kind.NEWS else Channel.SMS
    return chosen
