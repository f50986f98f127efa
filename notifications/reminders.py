"""Reminders found by the daily beat task: the submission window, its deadline, debts and penalties,
meter verification; plus a catch-up of "bill ready" after a recent close, and the outbox's purge.

Each reminder asks the pure rules (``rules.py``) whether it is due, finds its recipients in
batches (``NOTIFICATIONS_BATCH_SIZE`` users or accounts, one transaction each) and hands events
to :func:`~.services.tell`, which tells every event once: a run repeated, retried or running
twice at the same moment tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from billing.models import BillingRun, LedgerEntry
from core.money import format_rub, kopecks
from core.periods import Period
from customers.models import Account, AccountLink
from metering.models import Meter, Reading
from metering.selectors import window_status

from . import outbox, rules
from .events import tell_bills_ready
from .models import Kind
from .services import Event, tell

log = logging.getLogger(__name__)
SUBMITTED_STATES = (Reading.State.SENT, Reading.State.ACCEPTED, Reading.State.BILLED)


def _account_url(account: Account) -> str:
    return reverse("portal:account", args=[account.number])


def _user_batches(eligible: Callable[[QuerySet[Account]], QuerySet[Account]]) -> Iterator[dict[Any, list[AccountLink]]]:
    """Active users with their links to eligible accounts, ``NOTIFICATIONS_BATCH_SIZE`` users at a time.

    The users are walked by id (keyset on the links' user index); ``eligible`` narrows only the
    accounts of the batch, so each batch costs the same however many accounts there are.
    """
    last = 0
    size = settings.NOTIFICATIONS_BATCH_SIZE
    while True:
        user_ids = list(
            AccountLink.objects.filter(user_id__gt=last, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:size]
        )
        if not user_ids:
            return
        last = user_ids[-1]
        accounts = eligible(Account.objects.filter(links__user_id__in=user_ids, status=Account.Status.ACTIVE))
        links = (
            AccountLink.objects.filter(user_id__in=user_ids, account__in=accounts.values("pk"))
            .select_related("user", "account")
            .order_by("user_id", "account__number")
        )
        grouped: dict[Any, list[AccountLink]] = defaultdict(list)
        for link in links:
            grouped[link.user].append(link)
        if grouped:
            yield grouped


# --- Readings ------------------------------------------------------------------------------------


def without_readings(accounts: QuerySet[Account], period: Period) -> QuerySet[Account]:
    """Of ``accounts``, those with an active meter and no reading sent for ``period`` on any of them."""
    metered = Meter.objects.filter(account=OuterRef("pk"), status=Meter.Status.ACTIVE)
    submitted = Reading.objects.filter(
        meter__account=OuterRef("pk"),
        meter__status=Meter.Status.ACTIVE,
        period=period,
        state__in=SUBMITTED_STATES,
    )
    return accounts.filter(Exists(metered)).exclude(Exists(submitted))


def remind_readings(*, today: dt.date) -> int:
    """While the window is open: "the window is open" once a period, then, from
    ``NOTIFICATIONS_DEADLINE_NOTICE_DAYS`` before its last day, "the deadline is near" once a period;
    each only to users with an account whose meters have no reading for the period yet."""
    status = window_status(today)
    due = rules.readings_reminder(
        today=today,
        is_open=status.is_open,
        closes_on=status.closes_on,
        notice_days=settings.NOTIFICATIONS_DEADLINE_NOTICE_DAYS,
    )
    if due is None:
        return 0
    which, prefix = due
    key = rules.readings_event_key(prefix, status.period)
    values = {"period": status.period.label, "until": f"{status.closes_on:%d.%m.%Y}"}
    told = 0
    for grouped in _user_batches(lambda accounts: without_readings(accounts, status.period)):
        events = []
        for user, links in grouped.items():
            accounts = [link.account for link in links]
            numbers = rules.shorten_list([a.number for a in accounts])
            if which == rules.Reminder.WINDOW_OPENS:
                subject = _("Приём показаний за %(period)s открыт") % values
                text = _("Открыт приём показаний за %(period)s: передайте их до %(until)s (л/с %(n)s).") % {
                    **values,
                    "n": numbers,
                }
            else:
                subject = _("Передайте показания до %(until)s") % values
                text = _(
                    "Показания за %(period)s по л/с %(n)s ещё не переданы. Передайте их до %(until)s "
                    "включительно, иначе начисление будет по среднему."
                ) % {**values, "n": numbers}
            single = accounts[0] if len(accounts) == 1 else None
            events.append(
                Event(
                    user=user,
                    kind=Kind.READINGS_REMINDER,
                    subject=subject,
                    text=text,
                    url=_account_url(single) if single else reverse("portal:home"),
                    account=single,
                    event_key=key,
                )
            )
        told += tell(events)
    return told


# --- Debts and penalties -------------------------------------------------------------------------


def accounts_in_debt() -> list[int]:
    """Ids of active accounts whose ledger sums to a debt (one aggregate a day; the exact figure is
    the penalty forecast's)."""
    owing = (
        LedgerEntry.objects.values("account_id").annotate(total=Sum("amount")).filter(total__gt=0).values("account_id")
    )
    return list(
        Account.objects.filter(pk__in=owing, status=Account.Status.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )


def debt_event(*, link: AccountLink, notice: rules.DebtNotice, debt: Any) -> Event:
    account = link.account
    values = {"n": account.number, "debt": format_rub(debt), "per_day": format_rub(kopecks(notice.per_day))}
    if notice.accruing:
        text = (
            _(
                "По л/с %(n)s задолженность %(debt)s, на неё начисляются пени (около %(per_day)s в день). "
                "Оплатите её, чтобы пени не росли."
            )
            % values
        )
    else:
        text = _(
            "По л/с %(n)s задолженность %(debt)s. Если не оплатить её до %(last)s, с %(starts)s начнут "
            "начисляться пени (около %(per_day)s в день)."
        ) % {
            **values,
            "last": f"{notice.starts_on - dt.timedelta(days=1):%d.%m.%Y}",
            "starts": f"{notice.starts_on:%d.%m.%Y}",
        }
    return Event(
        user=link.user,
        kind=Kind.DEBTS,
        subject=_("Задолженность по л/с %(n)s") % values,
        text=text,
        url=reverse("payments:pay"),
        account=account,
        event_key=notice.event_key,
    )


def remind_debts(*, today: dt.date) -> int:
    """Debts whose penalty starts within ``NOTIFICATIONS_PENALTY_NOTICE_DAYS`` (once per start date)
    or already accrues (once a month), from ``billing.selectors.penalty_forecast``."""
    told = 0
    debtors = accounts_in_debt()
    size = settings.NOTIFICATIONS_BATCH_SIZE
    for start in range(0, len(debtors), size):
        accounts = list(Account.objects.filter(pk__in=debtors[start : start + size]).order_by("pk"))
        notices: dict[int, tuple[rules.DebtNotice, Any]] = {}
        for account in accounts:
            forecast = billing_selectors.penalty_forecast(account, today=today)
            notice = rules.debt_notice(
                account_number=account.number,
                today=today,
                starts_on=forecast.starts_on if forecast else None,
                per_day=forecast.per_day if forecast else kopecks(0),
                notice_days=settings.NOTIFICATIONS_PENALTY_NOTICE_DAYS,
            )
            if notice is not None:
                notices[account.pk] = (notice, billing_selectors.balance(account))
        links = AccountLink.objects.filter(account_id__in=notices, user__is_active=True).select_related(
            "user", "account"
        )
        told += tell(
            [
                debt_event(link=link, notice=notices[link.account_id][0], debt=notices[link.account_id][1])
                for link in links.order_by("account_id", "pk")
            ]
        )
    return told


# --- Meter verification --------------------------------------------------------------------------


def remind_verifications(*, today: dt.date) -> int:
    """Active meters whose verification date is within ``NOTIFICATIONS_VERIFICATION_NOTICE_DAYS``:
    once per meter and date, to every user of its account."""
    days = settings.NOTIFICATIONS_VERIFICATION_NOTICE_DAYS
    meters = Meter.objects.filter(
        status=Meter.Status.ACTIVE,
        account__status=Account.Status.ACTIVE,
        next_verification_on__gte=today,
        next_verification_on__lte=today + dt.timedelta(days=days),
    ).select_related("account")
    told = 0
    last = 0
    while True:
        batch = list(meters.filter(pk__gt=last).order_by("pk")[: settings.NOTIFICATIONS_BATCH_SIZE])
        if not batch:
            return told
        last = batch[-1].pk
        events = []
        by_account: dict[int, list[Meter]] = defaultdict(list)
        for meter in batch:
            by_account[meter.account_id].append(meter)
        links = AccountLink.objects.filter(account_id__in=by_account, user__is_active=True).select_related("user")
        for link in links.order_by("account_id", "pk"):
            for meter in by_account[link.account_id]:
                assert meter.next_verification_on is not None
                values = {
                    "serial": meter.serial,
                    "n": meter.account.number,
                    "date": f"{meter.next_verification_on:%d.%m.%Y}",
                }
                events.append(
                    Event(
                        user=link.user,
                        kind=Kind.METER_VERIFICATION,
                        subject=_("Поверка счётчика № %(serial)s") % values,
                        text=_(
                            "Срок поверки счётчика № %(serial)s (л/с %(n)s) — %(date)s. После него начисления будут "
                            "не по показаниям, а по среднему или нормативу: закажите поверку заранее."
                        )
                        % values,
                        url=_account_url(meter.account),
                        account=meter.account,
                        event_key=f"verification:{meter.pk}:{meter.next_verification_on.isoformat()}",
                    )
                )
        told += tell(events)


# --- The daily run ---------------------------------------------------------------------------------


def catch_up_bills(*, today: dt.date) -> int:
    """Bills of a period closed in the last few days whose users were not told yet (a lost task)."""
    since = today - dt.timedelta(days=settings.NOTIFICATIONS_BILLS_CATCH_UP_DAYS)
    told = 0
    for period in BillingRun.objects.filter(state=BillingRun.State.CLOSED, finished_at__date__gte=since).values_list(
        "period", flat=True
    ):
        told += tell_bills_ready(period)
    return told


def purge_outbox(*, today: dt.date) -> int:
    return outbox.purge()


def run_daily(*, today: dt.date) -> dict[str, int]:
    """Every reminder in turn; one failing does not stop the others, and its error is raised at the
    end (the task is retried: what was told already is not told again)."""
    outcome: dict[str, int] = {}
    failure: Exception | None = None
    jobs = {
        "readings": remind_readings,
        "debts": remind_debts,
        "verifications": remind_verifications,
        "bills": catch_up_bills,
        "outbox_purged": purge_outbox,
    }
    for name, job in jobs.items():
        try:
            outcome[name] = job(today=today)
        except Exception as error:
            log.exception("reminder %s failed on %s", name, today)
            failure = failure or error
    if failure is not None:
        raise failure
    return outcome
