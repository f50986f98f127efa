"""Carrying out one parsed command for the accounts a sender reaches (SMS and e-mail alike).

Readings go through ``metering.services.submit_readings`` like every other channel; its
DomainError codes become the short replies of :mod:`channels.replies`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from core.errors import DomainError
from metering import selectors as metering_selectors
from metering.models import Meter
from metering.services import submit_readings

from . import replies, selectors
from .commands import HELP, INFO, INVALID, NO_VALUES, PAYMENT, READINGS, SYNTAX, Command
from .replies import SMS_ZONES
from .selectors import Holder


@dataclass(frozen=True)
class Outcome:
    reply: str
    code: str  # "accepted", "info", "payment", "help", or why not: a DomainError code or a channel's own
    account: Any = None
    submission: uuid.UUID | None = None


def execute(command: Command, holders: Sequence[Holder], *, channel: str, by_email: bool = False) -> Outcome:
    if command.kind == HELP:
        return Outcome(replies.help_text(), "help")
    if command.kind == INVALID:
        if command.problem == NO_VALUES:
            return Outcome(replies.no_values(command), command.problem)
        if command.problem == SYNTAX:
            return Outcome(replies.syntax(command), command.problem)
        return Outcome(replies.bad_account(command), command.problem)
    holder, refusal = _holder(command, holders, by_email=by_email)
    if holder is None:
        assert refusal is not None
        return refusal
    if command.kind == READINGS:
        return _readings(command, holder, channel=channel)
    if command.kind == INFO:
        return _info(holder)
    assert command.kind == PAYMENT
    payment = selectors.last_payment(holder.account)
    return Outcome(
        replies.last_payment(
            number=holder.number,
            paid_on=payment.paid_on if payment else None,
            amount=payment.amount if payment else None,
        ),
        "payment",
        holder.account,
    )


def _holder(command: Command, holders: Sequence[Holder], *, by_email: bool) -> tuple[Holder | None, Outcome | None]:
    if command.account:
        for holder in holders:
            if holder.number == command.account:
                return holder, None
        return None, Outcome(replies.account_not_yours(command.account, by_email=by_email), "account_not_linked")
    if len(holders) == 1:
        return holders[0], None
    return None, Outcome(replies.choose_account(command.code, [h.number for h in holders]), "account_required")


def _meter_for(meters: list[Meter], values: Sequence[str]) -> Meter | None:
    """The meter an SMS means: the only one, or the only one with as many zones as values typed."""
    if len(meters) == 1:
        return meters[0]
    matching = [meter for meter in meters if len(meter.zones) == len(values)]
    return matching[0] if len(matching) == 1 else None


def _readings(command: Command, holder: Holder, *, channel: str) -> Outcome:
    account = holder.account
    if command.fraction:
        return Outcome(replies.fraction(command.fraction), "reading_fraction", account)
    meters = selectors.active_meters(account)
    if not meters:
        return Outcome(replies.no_meters(account.number), "no_meters", account)
    meter = _meter_for(meters, command.values)
    if meter is None:
        return Outcome(replies.several_meters(account.number), "several_meters", account)
    order = SMS_ZONES[meter.scheme]
    typed = dict(zip(order, command.values, strict=False))
    # The SMS order (peak;night;semi-peak) differs from the meter's: values go in by zone. With a
    # wrong count, the sequence lets the readings rules say what the meter counts.
    values: Any = typed if len(command.values) == len(order) else list(command.values)
    try:
        result = submit_readings(
            meter=meter, values=values, channel=channel, actor=holder.user, confirm_implausible=command.confirmed
        )
    except DomainError as error:
        return Outcome(_refusal(error, command, meter, typed), error.code, account)
    evaluation = result.preview.evaluation
    reply = replies.accepted(
        number=account.number,
        scheme=meter.scheme,
        period=evaluation.period,
        values={line.zone: line.value for line in evaluation.lines},
        volume=evaluation.volume,
        replaced=result.replaced,
        rollover=any(line.rollover for line in evaluation.lines),
    )
    return Outcome(reply, "accepted", account, result.id)


def _refusal(error: DomainError, command: Command, meter: Meter, typed: dict[str, str]) -> str:
    if error.code == "reading_fraction":
        return replies.fraction(typed.get(error.field or "", "") or command.values[0])
    if error.code == "reading_zone_count":
        return replies.zone_count(meter.scheme, command.account)
    if error.code == "reading_lower_than_previous":
        return replies.lower_than_previous(
            scheme=meter.scheme,
            zone=error.field,
            value=typed.get(error.field or "", ""),
            previous=str(error.params.get("previous", "")),
        )
    if error.code == "reading_implausible":
        return replies.implausible(command, str(error.params.get("volume", "")))
    return replies.refused(
        error.code,
        message=error.message,
        scheme=meter.scheme,
        account=command.account,
        digits=meter.digits,
        number=meter.account.number,
    )


def _info(holder: Holder) -> Outcome:
    meters = selectors.active_meters(holder.account)
    latest = [(meter.scheme, meter.serial, selectors.latest_readings(meter)) for meter in meters]
    window = metering_selectors.window_status(timezone.localdate())
    return Outcome(replies.readings_info(number=holder.number, meters=latest, window=window), "info", holder.account)
