"""Domain objects as the plain data the serializers print: what the portal's templates show, as JSON."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from billing.models import Bill, ChargeLine, LedgerEntry
from billing.selectors import BillDetail, PenaltyForecast
from billing.services import ChargePreview
from customers.models import Account, AccountLink
from metering import rules
from metering.models import Meter, Reading
from metering.selectors import HistoryEntry
from metering.services import Preview, Submission
from metering.zones import SCHEME_LABELS, ZONE_HOURS, Zone, zone_label
from notifications.models import Notification
from payments.models import Payment
from service import selectors as service_selectors
from service.kinds import CONTRACT_TOPICS, QUESTION_TOPICS, REPLACEMENT_REASONS, KindSpec, details_rows
from service.models import Attachment, Message
from service.models import Request as ServiceRequest


def accepted_for(reading: Reading | HistoryEntry) -> str | None:
    return str(reading.period) if reading.state in Reading.COUNTED else None


def account(account: Account, link: AccountLink | None) -> dict[str, Any]:
    return {
        "number": account.number,
        "alias": link.alias if link else "",
        "group": link.group if link else "",
        "address": account.premise.address,
        "residents": account.premise.residents,
        "holder": account.customer.display_name,
        "status": account.status,
        "tariff_category": {"code": account.tariff_category.code, "name": account.tariff_category.name},
    }


def window(status: rules.WindowStatus) -> dict[str, Any]:
    return {
        "is_open": status.is_open,
        "period": str(status.period),
        "period_label": status.period.label,
        "opens_on": status.opens_on,
        "closes_on": status.closes_on,
        "days": status.days,
    }


def meter(meter: Meter, last: dict[str, Reading], status: rules.WindowStatus, today: dt.date) -> dict[str, Any]:
    zones = []
    for zone in meter.zones:
        reading = last.get(zone)
        zones.append(
            {
                "zone": zone,
                "label": zone_label(zone),
                "hours": ZONE_HOURS[meter.scheme][zone],
                "last_reading": None
                if reading is None
                else {
                    "value": reading.value,
                    "taken_on": reading.taken_on,
                    "state": reading.state,
                    "accepted_for_period": accepted_for(reading),
                },
            }
        )
    return {
        "id": meter.pk,
        "serial": meter.serial,
        "model": meter.model,
        "status": meter.status,
        "digits": meter.digits,
        "transformer_ratio": meter.transformer_ratio,
        "scheme": meter.scheme,
        "scheme_label": SCHEME_LABELS[meter.scheme],
        "installed_on": meter.installed_on,
        "next_verification_on": meter.next_verification_on,
        "verification_expired": meter.verification_expired(today),
        "zones": zones,
        "submission_window": window(status),
    }


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def readings_result(
    preview: Preview, *, submission: Submission | None = None, charge: ChargePreview | None = None
) -> dict[str, Any]:
    """A preview ("draft": nothing stored) or an accepted submission, in one shape (``ReadingsResultSerializer``).

    Already JSON (strings for money, dates and ids), without a serializer pass: this is the answer
    of the busiest endpoint; the contract test holds it to the schema.
    """
    evaluation = preview.evaluation
    period = str(evaluation.period)
    return {
        "state": Reading.State.ACCEPTED.value if submission else Reading.State.DRAFT.value,
        "submission": str(submission.id) if submission else None,
        "period": period,
        "period_label": str(evaluation.period.label),
        "accepted_for_period": period if submission else None,
        "window_open": evaluation.window_open,
        "taken_on": preview.taken_on.isoformat(),
        "lines": [
            {
                "zone": line.zone,
                "label": str(line.label),
                "previous": line.previous,
                "value": line.value,
                "volume": line.volume,
                "rollover": line.rollover,
                "price": f"{cost.price:.4f}",
                "amount": _money(cost.amount),
            }
            for line, cost in preview.rows
        ],
        "volume": evaluation.volume,
        "cost": _money(preview.total_cost),
        "notices": [str(notice) for notice in evaluation.notices],
        "needs_confirmation": bool(evaluation.implausible) and submission is None,
        "implausible": str(evaluation.implausible) if submission is None else "",
        "implausible_confirmed": bool(evaluation.implausible) and submission is not None,
        "replaces_earlier": bool(preview.replaces),
        "charge": None
        if charge is None
        else {
            "period": str(charge.period),
            "charge": _money(charge.charge),
            "recalculated": _money(charge.recalculated),
            "balance": _money(charge.balance),
            "to_pay": _money(charge.to_pay),
        },
    }


def history_entry(entry: HistoryEntry, *, user_id: int, today: dt.date) -> dict[str, Any]:
    return {
        "submission": entry.submission,
        "taken_on": entry.taken_on,
        "submitted_at": entry.submitted_at,
        "state": entry.state,
        "state_label": entry.state_label,
        "period": str(entry.period),
        "accepted_for_period": accepted_for(entry),
        "source": entry.source,
        "source_label": entry.source_label,
        "values": entry.values,
        "volumes": entry.volumes,
        "volume": entry.volume,
        "rollover": entry.rollover,
        "reason": entry.reason,
        "correctable": entry.correctable_by(user_id, today),
    }


def bill(bill: Bill) -> dict[str, Any]:
    return {
        "period": str(bill.period),
        "period_label": bill.period.label,
        "number": bill.number,
        "issued_at": bill.issued_at,
        "due_on": bill.due_on,
        "opening_balance": bill.opening_balance,
        "charged": bill.charged,
        "recalculated": bill.recalculated,
        "penalties": bill.penalties,
        "paid": bill.paid,
        "adjusted": bill.adjusted,
        "closing_balance": bill.closing_balance,
        "to_pay": bill.to_pay,
        "overpayment": bill.overpayment,
        "vat": bill.vat,
        "vat_rate": bill.vat_rate,
    }


def charge_line(line: ChargeLine) -> dict[str, Any]:
    return {
        "meter": line.meter.serial if line.meter is not None else None,
        "zone": line.zone,
        "zone_label": zone_label(line.zone),
        "basis": line.basis,
        "basis_label": line.get_basis_display(),
        "tier": line.tier,
        "date_from": line.date_from,
        "date_to": line.date_to,
        "previous_value": line.previous_value,
        "current_value": line.current_value,
        "volume": line.volume,
        "price": line.price,
        "amount": line.amount,
    }


def ledger_entry(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "for_period": str(entry.for_period) if entry.for_period else None,
        "posted_on": entry.posted_on,
        "amount": entry.amount,
        "reason": entry.reason,
        "lines": [charge_line(line) for line in entry.lines.all()]
        if entry.kind == LedgerEntry.Kind.RECALCULATION
        else [],
    }


def bill_detail(detail: BillDetail) -> dict[str, Any]:
    return {
        **bill(detail.bill),
        "charge_lines": [charge_line(line) for line in detail.charge_lines],
        "recalculations": [ledger_entry(entry) for entry in detail.recalculations],
        "payments": [ledger_entry(entry) for entry in detail.payments],
        "penalty_entries": [ledger_entry(entry) for entry in detail.penalties],
        "adjustments": [ledger_entry(entry) for entry in detail.adjustments],
    }


def penalty_forecast(forecast: PenaltyForecast | None) -> dict[str, Any] | None:
    if forecast is None:
        return None
    return {
        "starts_on": forecast.starts_on,
        "per_day": forecast.per_day,
        "by_date": forecast.by_date,
        "total": forecast.total,
    }


def balance(
    account: Account,
    *,
    amount: Decimal,
    due: Decimal,
    last: Bill | None,
    forecast: PenaltyForecast | None,
) -> dict[str, Any]:
    zero = Decimal("0.00")
    return {
        "number": account.number,
        "balance": amount,
        "debt": max(amount, zero),
        "overpayment": max(-amount, zero),
        "amount_due": due,
        "last_bill": bill(last) if last else None,
        "penalty_forecast": penalty_forecast(forecast),
    }


def payment(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "state": payment.state,
        "state_label": payment.get_state_display(),
        "amount": payment.amount,
        "confirmation_url": payment.confirmation_url,
        "created_at": payment.created_at,
        "confirmed_at": payment.confirmed_at,
        "parts": [{"account": part.account.number, "amount": part.amount} for part in payment.parts.all()],
        "has_receipt": hasattr(payment, "receipt"),
    }


# --- Support requests ------------------------------------------------------------------------------


def attachment(item: Attachment) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "is_image": item.is_image,
        "url": reverse("api:request_attachment", args=[item.request_id, item.pk]),
    }


def service_request(item: ServiceRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": item.number,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "status": item.status,
        "status_label": item.get_status_display(),
        "subject": item.subject,
        "account": item.account.number if item.account else None,
        "meter": item.meter_id,
        "meter_serial": item.meter.serial if item.meter else None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "closed_at": item.closed_at,
        # The list annotates the count; the detail has the thread prefetched.
        "answers": item.answers if hasattr(item, "answers") else sum(m.from_staff for m in item.messages.all()),
        "rating": item.rating,
    }


def request_message(message: Message) -> dict[str, Any]:
    if message.from_staff:
        name = message.author.first_name if message.author else ""
        author = f"{_('Специалист')} {name}".strip()
    else:
        author = _("Вы")
    return {
        "id": message.pk,
        "from_staff": message.from_staff,
        "author": author,
        "text": message.text,
        "created_at": message.created_at,
        "attachments": [attachment(a) for a in message.attachments.all()],
    }


def service_request_detail(item: ServiceRequest) -> dict[str, Any]:
    """The request as its portal page shows it: details, files, status history, the thread."""
    thread = service_selectors.thread(item)
    return {
        **service_request(item),
        "text": item.text,
        "details": item.details or {},
        "details_rows": [{"label": label, "value": value} for label, value in details_rows(item)],
        "attachments": [attachment(a) for a in getattr(item, "own_files", [])],
        "status_history": [
            {
                "from_status": change.from_status,
                "to_status": change.to_status,
                "to_status_label": change.get_to_status_display(),
                "at": change.at,
                "by_staff": bool(change.by and change.by.is_staff and change.by_id != item.user_id),
                "note": change.note,
            }
            for change in item.status_changes.all()
        ],
        "thread": [request_message(m) for m in thread],
        "can_reply": not item.is_closed,
        "can_rate": service_selectors.can_rate(item),
        "rating_comment": item.rating_comment,
        "rated_at": item.rated_at,
    }


def request_kind(spec: KindSpec, form: Any) -> dict[str, Any]:
    """A kind and the fields of its portal form (an unbound instance, so in the form's own order)."""
    names = [name for name in form.fields if name != "token"]
    fields = [name for name in names if not name.startswith("value_")]
    required = [name for name in fields if form.fields[name].required]
    if spec.kind == ServiceRequest.Kind.CORRECTION:  # the zone fields come with the chosen meter
        at = fields.index("meter") + 1
        fields[at:at] = [f"value_{zone}" for zone in Zone.values]
        required.insert(required.index("meter") + 1, "value_<zone>")
    choices = {}
    if "topic" in fields:
        topics = CONTRACT_TOPICS if spec.kind == ServiceRequest.Kind.CONTRACT else QUESTION_TOPICS
        choices["topic"] = [{"code": code, "label": str(label)} for code, label in topics.items()]
    if "reason" in fields:
        choices["reason"] = [{"code": code, "label": str(label)} for code, label in REPLACEMENT_REASONS.items()]
    return {
        "kind": spec.kind,
        "title": str(spec.title),
        "description": str(spec.description),
        "needs_meter": spec.needs_meter,
        "needs_photo": spec.needs_photo,
        "fields": fields,
        "required": required,
        "choices": choices,
    }


# --- Notification centre ---------------------------------------------------------------------------


def notification(item: Notification) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "subject": item.subject,
        "text": item.text,
        "link": item.link,
        "account": item.account.number if item.account else None,
        "created_at": item.created_at,
        "read_at": item.read_at,
    }
