"""Reading what the local backends "sent": SMS codes and texts, e-mails."""

from __future__ import annotations

import re

from notifications.models import LocalSms


def sms_texts(phone: str) -> list[str]:
    return list(LocalSms.objects.filter(phone=phone).order_by("id").values_list("text", flat=True))


def last_code(phone: str) -> str | None:
    """The six digits of the newest SMS to ``phone``, if it carried a code."""
    sms = LocalSms.objects.filter(phone=phone).order_by("-id").first()
    match = sms and re.search(r"\b(\d{6})\b", sms.text)
    return match.group(1) if match else None
