"""The readings mailbox as an SMTP endpoint (aiosmtpd), run by ``manage.py readings_mailbox``.

The company's MTA relays mail for the readings address (``READINGS_MAILBOX_ADDRESSES``) here
after checking DKIM/SPF/DMARC; this server accepts mail for those addresses only, reads the
plain text of each message and hands it to :func:`channels.services.handle_readings_email`.
Messages that are automatic replies (``Auto-Submitted``, ``Precedence: bulk``, bounces) are
accepted and dropped, so two robots never answer each other.
"""

from __future__ import annotations

import logging
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.html import strip_tags

from .services import EmailAnswer, handle_readings_email

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1024 * 1024
# Where an HTML message breaks lines: the first line must not run into the second.
_BLOCK_END = re.compile(r"<br\s*/?>|</(p|div|li|tr|h[1-6]|pre|blockquote)\s*>", re.IGNORECASE)


def is_automatic(message: EmailMessage) -> bool:
    """RFC 3834: never answer an automatic message."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    sender = str(message.get("From", "")).lower()
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or "mailer-daemon@" in sender
        or message.get("X-Autoreply") is not None
        or message.get_content_type() == "multipart/report"
    )


def plain_text(message: EmailMessage) -> str:
    """The message's text: its text/plain part, else its HTML without tags."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # unknown charset or a broken part
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return strip_tags(_BLOCK_END.sub("\n", content))
    return content


def receive(raw: bytes) -> EmailAnswer | None:
    """One message as it arrived over SMTP; None when it is dropped unanswered (automatic)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if is_automatic(message):
        log.info("readings mailbox: automatic message dropped")
        return None
    return handle_readings_email(
        sender=str(message.get("From", "")),
        subject=str(message.get("Subject", "")),
        body=plain_text(message),
        message_id=str(message.get("Message-ID", "")),
    )


def _receive_in_thread(raw: bytes) -> EmailAnswer | None:
    # A worker thread of a long-running server: its own connection per message, closed after it
    # (a mailbox's rate does not need a kept connection, and none is left behind a dropped database).
    close_old_connections()
    try:
        return receive(raw)
    finally:
        connections.close_all()


class ReadingsMailbox:
    """aiosmtpd handler: RCPT only for the readings addresses, DATA processed in a worker thread."""

    def __init__(self, addresses: list[str] | None = None) -> None:
        self.addresses = {a.lower() for a in (addresses or settings.READINGS_MAILBOX_ADDRESSES)}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.lower() not in self.addresses:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if len(content) > MAX_MESSAGE_BYTES:
            return "552 5.3.4 Message too big"
        try:
            answer = await sync_to_async(_receive_in_thread, thread_sensitive=False)(content)
        except Exception:  # a broken message must not stop the server; the sender retries
            log.exception("readings mailbox: message not processed")
            return "451 4.3.0 Temporary failure, try again later"
        if answer is not None and answer.retry_later:
            return "451 4.7.1 Too many messages from this sender, try again later"
        return "250 OK"
