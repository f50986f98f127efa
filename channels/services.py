"""Readings and questions that arrive without the portal: SMS to the short number, e-mail to the
company mailbox, the public form. Each entry point identifies the sender, runs the command
through :func:`channels.dispatch.execute` (so ``submit_readings`` underneath) and answers.

Idempotency: the inbound row (unique message id) is inserted first, in the transaction that
processes the message and records the reply. A repeated delivery finds the row and gets the
stored reply; a concurrent one waits on the unique index until the first commits, then reads it.
A crash rolls the row back with everything else, so the gateway's retry processes it afresh.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit
from core.errors import DomainError
from identity.models import User
from identity.phones import mask_phone
from metering.models import Meter, Reading
from metering.services import RawValues, Submission, submit_readings
from notifications.services import send_email, send_sms

from . import replies, selectors
from .commands import HELP, Command, parse_command
from .dispatch import Outcome, execute
from .models import InboundEmail, InboundSms

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longer than any concatenated SMS; the rest is never a command


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """What can be stored: no NUL (PostgreSQL refuses it), no lone surrogates, bounded length."""
    text = (text or "")[:limit].replace("\x00", "\ufffd")
    return text.encode("utf-8", "replace").decode("utf-8")


# --- SMS ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsAnswer:
    reply: str
    status: int = 200
    duplicate: bool = False


def handle_sms(*, phone: str, text: str, message_id: str) -> SmsAnswer:
    """Answer one inbound SMS (``phone`` canonical, +7...) and send the reply back, once per message id."""
    stored = InboundSms.objects.filter(message_id=message_id).values_list("reply", flat=True).first()
    if stored is not None:
        return SmsAnswer(stored, duplicate=True)
    limit, window = settings.SMS_RATE_LIMIT, settings.SMS_RATE_WINDOW_SECONDS
    count = ratelimit.hit("sms-phone", phone, window=window)
    if count > limit:
        reply = replies.rate_limited(max(1, window // 60))
        if count == limit + 1:  # told once per window; a flood gets no SMS back
            send_sms(phone, reply)
        log.warning("inbound SMS from %s over the limit (%s in %s s)", mask_phone(phone), count, window)
        return SmsAnswer(reply, status=429)
    text = clean_text(text)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundSms.objects.create(message_id=message_id, phone=phone, text=text)
        except IntegrityError:  # the same message, processed meanwhile by another request
            stored = InboundSms.objects.filter(message_id=message_id).values_list("reply", flat=True).first()
            return SmsAnswer(stored or replies.help_text(), duplicate=True)
        holders = selectors.holders_for_phone(phone)
        if holders:
            outcome = execute(parse_command(text), holders, channel=Reading.Source.SMS)
        else:
            outcome = Outcome(replies.unlinked_phone(), "unlinked")
        _record(record, outcome)
        send_sms(phone, outcome.reply)
    log.info("inbound SMS from %s: %s", mask_phone(phone), outcome.code)
    return SmsAnswer(outcome.reply)


def _record(record: InboundSms | InboundEmail, outcome: Outcome, *also: str) -> None:
    record.reply = outcome.reply
    record.outcome = outcome.code[:40]
    record.account = outcome.account
    record.submission = outcome.submission
    record.save(update_fields=["reply", "outcome", "account", "submission", *also])


# --- E-mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailAnswer:
    outcome: str
    reply: str = ""  # empty: nothing was sent back
    duplicate: bool = False
    retry_later: bool = False  # over the sender's limit: an SMTP server answers 451 and the sender retries


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_ACCOUNT_FIRST = re.compile(r"^\s*\d{10}\s*#")


def email_command(subject: str, body: str) -> tuple[str, Command]:
    """The command of a message: its subject, else its first non-empty line (the SMS syntax, and
    ``<account>#<readings>`` for short). Returns the line it was read from and the command."""
    first_line = next((line.strip() for line in (body or "").splitlines() if line.strip()), "")
    for line in (_REPLY_PREFIX.sub("", subject or ""), first_line):
        line = line.strip()[:255]
        command = parse_command("001#" + line if _ACCOUNT_FIRST.match(line) else line)
        if command.kind != HELP:
            return line, command
    return "", Command(HELP)


def message_key(message_id: str, *, sender: str, subject: str, body: str) -> str:
    """The idempotency key of a message: its Message-ID, or a digest of what it says without one."""
    message_id = clean_text(message_id or "").strip()
    if not message_id:
        digest = hashlib.sha256("\x1f".join((sender, subject, body)).encode("utf-8", "replace"))
        return "sha256:" + digest.hexdigest()
    if len(message_id) > 255:
        return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    return message_id


def _address(sender: str) -> str:
    address = email.utils.parseaddr(clean_text(sender, 998))[1].strip().lower()
    return address if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) and len(address) <= 254 else ""


def handle_readings_email(*, sender: str, subject: str, body: str, message_id: str) -> EmailAnswer:
    """Answer one message to the readings mailbox, once per Message-ID.

    Only an address confirmed on a profile with linked accounts reaches accounts; an address known
    but unconfirmed is told to confirm it; strangers get no answer (a forged sender must not turn
    the mailbox into a source of backscatter). The answer goes to the sender's address only, never
    to a Reply-To. Whether the sender is who they claim is for the MTA (DKIM/SPF/DMARC, README).
    """
    subject, body = clean_text(subject, 998), clean_text(body, 20_000)
    key = message_key(message_id, sender=sender, subject=subject, body=body)
    stored = InboundEmail.objects.filter(message_id=key).values_list("outcome", "reply").first()
    if stored is not None:
        return EmailAnswer(stored[0], stored[1], duplicate=True)
    address = _address(sender)
    if address and ratelimit.hit("readings-email", address, window=3600) > settings.READINGS_EMAIL_PER_HOUR:
        log.warning("readings e-mail from %s over the limit", _mask_email(address))
        return EmailAnswer("rate_limited", retry_later=True)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundEmail.objects.create(
                    message_id=key, sender=(address or clean_text(sender, 254))[:254], subject=subject[:255]
                )
        except IntegrityError:
            stored = InboundEmail.objects.filter(message_id=key).values_list("outcome", "reply").first()
            return EmailAnswer(*(stored or ("duplicate", "")), duplicate=True)
        line, command = email_command(subject, body)
        record.command = line
        outcome = _email_outcome(address, command)
        _record(record, outcome, "command")
        if outcome.reply:
            send_email(address, _reply_subject(subject), _reply_body(outcome.reply))
    log.info("readings e-mail from %s: %s", _mask_email(address), outcome.code)
    return EmailAnswer(outcome.code, outcome.reply)


def _email_outcome(address: str, command: Command) -> Outcome:
    if not address:
        return Outcome("", "sender_invalid")
    holders = selectors.holders_for_email(address)
    if holders:
        if command.kind == HELP:
            return Outcome(replies.email_help(), "help")
        return execute(command, holders, channel=Reading.Source.EMAIL, by_email=True)
    known = User.objects.filter(email__iexact=address, is_active=True).values_list("email_confirmed", flat=True)
    if any(known):
        return Outcome(replies.email_no_accounts(), "no_accounts")
    if known:
        return Outcome(replies.email_unconfirmed(), "email_unconfirmed")
    return Outcome("", "unknown_sender")


def _reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())[:200]
    return ("Re: " + subject) if subject else _("Ответ на показания")


def _reply_body(reply: str) -> str:
    return "\n\n".join(
        [
            _("Здравствуйте!"),
            reply,
            _(
                "Это автоматический ответ на письмо в адрес приёма показаний. Формат письма: в теме или первой "
                "строке 001#<лицевой счёт>#<показания>, например 001#6300000001#123456; зоны через «;»: "
                "день;ночь или пик;ночь;полупик. 003#<лицевой счёт> - последние показания, "
                "004#<лицевой счёт> - последняя оплата."
            ),
            settings.COMPANY["name"],
        ]
    )


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


# --- The public form ----------------------------------------------------------------------------

# Rule codes whose message says nothing about the account's history: shown as they are.
PUBLIC_SAFE_CODES = frozenset(
    {
        "reading_required",
        "reading_not_number",
        "reading_fraction",
        "reading_negative",
        "reading_too_long",
        "reading_zone_count",
        "meter_removed",
        "account_closed",
    }
)


def public_error(error: DomainError, meter: Meter) -> DomainError:
    """The rule's refusal as a stranger who knows only the account number may see it.

    The portal's messages name the last accepted reading and the usual use (the account's history);
    here they say what to check instead. An implausible volume is refused: confirming it is for the
    portal, where the customer is known.
    """
    if error.code in PUBLIC_SAFE_CODES:
        return error
    contact = {"phone": settings.COMPANY["phone"]}
    if error.code == "reading_lower_than_previous":
        message = _("Показание меньше последнего принятого. Показания не уменьшаются: проверьте цифры до запятой.")
        return DomainError(error.code, message, field=error.field)
    if error.code == "reading_implausible":
        message = _(
            "Расход по этим показаниям намного больше обычного для этого счёта. Проверьте цифры до запятой: "
            "дробная часть не передаётся. Если показания верны, передайте их в личном кабинете или по телефону "
            "%(phone)s."
        )
        return DomainError(error.code, message % contact)
    if error.code == "meter_verification_expired":
        message = _("Срок поверки счётчика истёк: показания по нему не принимаются. Подайте заявку на поверку.")
        return DomainError(error.code, message)
    message = _("Показания не приняты. Передайте их в личном кабинете или по телефону %(phone)s.")
    return DomainError(error.code, message % contact)


def submit_public_readings(*, meter: Meter, values: RawValues, ip: str) -> Submission:
    """Readings of one meter from the form without login (no actor, never an implausible volume)."""
    try:
        with transaction.atomic():
            submission = submit_readings(meter=meter, values=values, channel=Reading.Source.PUBLIC_FORM)
            # Who typed it is unknown: the address is kept with the change, for staff looking into abuse.
            audit(
                "reading.public_form",
                channel=Reading.Source.PUBLIC_FORM,
                account=meter.account,
                obj=meter,
                changes={"submission": str(submission.id), "ip": ip},
            )
    except DomainError as error:
        raise public_error(error, meter) from None
    return submission
