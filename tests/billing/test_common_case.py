"""The engine's shortcut for the common account bills it exactly as the general walk does (hypothesis).

``engine.bill_account`` takes ``bill_common_case`` (one meter billed up to last period, one new
submission this period) when it applies and ``bill_any_case`` otherwise. Over generated facts, in the
common case and around it (more meters, late, missing or extra readings, new meters and accounts,
removed meters, price changes inside the month, social norms, debts and payments), wherever the
shortcut answers, its bill is the general walk's, entry for entry and line for line.
"""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from billing import engine, rules
from core.errors import DomainError
from core.periods import Period
from metering.zones import ZONES_BY_SCHEME
from tests.billing import facts as f

PERIOD = Period(2026, 11)


def outcome(function, facts, tariffs, penalties):
    try:
        return ("bill", function(facts, PERIOD, tariffs, penalties=penalties))
    except DomainError as error:
        return ("refused", error.code, error.message)


@st.composite
def tariffs(draw):
    prices = {}
    change = draw(st.sampled_from([None, dt.date(2026, 11, 16), dt.date(2026, 11, 1), dt.date(2026, 12, 1)]))
    for scheme, zones in ZONES_BY_SCHEME.items():
        for zone in zones:
            rows = [(dt.date(2020, 1, 1), D(draw(st.integers(100, 900))) / 100, D("9.99"))]
            if change is not None:
                rows.append((change, D(draw(st.integers(100, 900))) / 100, D("11.11")))
            prices[(scheme, zone)] = rows
    social_norm = draw(st.sampled_from([None, None, 50, 300]))
    return f.tariffs(prices, social_norm=social_norm, key_rates=[(dt.date(2020, 1, 1), D("16"))])


@st.composite
def money(draw):
    opening = D(draw(st.integers(-2000_00, 8000_00))) / 100
    base = opening - D(draw(st.integers(0, 300_00))) / 100
    movements = [
        (draw(st.sampled_from(["payment", "adjustment"])), PERIOD.day(draw(st.integers(1, 30))), D(cents) / 100)
        for cents in draw(st.lists(st.integers(-3000_00, 2000_00), max_size=3))
    ]
    debts = [
        rules.Debt(rules.due_date(PERIOD - back), D(cents) / 100)
        for back, cents in draw(st.lists(st.tuples(st.integers(1, 6), st.integers(-500_00, 4000_00)), max_size=3))
    ]
    return {"opening_total": opening, "opening_base": base, "movements": movements, "debts": debts}


def monthly_values(draw, meter, start_values, months):
    """Readings month by month: growing by a month's use, now and then rolling over past the maximum."""
    values, result = dict(start_values), []
    for _ in range(months):
        for zone in meter.zones:
            values[zone] = (values[zone] + draw(st.integers(0, 900))) % 10**meter.digits
        result.append(dict(values))
    return result


@st.composite
def common_account(draw):
    """The common case itself: one meter, readings billed every month up to last period, one new one now."""
    meter = f.meter(
        scheme=draw(st.sampled_from([1, 2, 3])),
        digits=draw(st.sampled_from([4, 5, 6, 8])),
        ratio=draw(st.sampled_from([1, 1, 40])),
        installed=draw(st.sampled_from([dt.date(2024, 3, 5), dt.date(2026, 9, 1), dt.date(2026, 10, 31)])),
        verification_due=draw(st.sampled_from([None, dt.date(2026, 11, 20), dt.date(2030, 1, 1)])),
        removed=draw(st.sampled_from([None, None, dt.date(2026, 11, 25), dt.date(2027, 3, 1)])),
    )
    start = {zone: draw(st.integers(0, 10**meter.digits - 1)) for zone in meter.zones}
    months = draw(st.integers(1, 6))
    history = monthly_values(draw, meter, start, months + 1)
    subs = [
        f.sub(str(PERIOD - (months - n)), history[n], billed=True, day=draw(st.integers(1, 28))) for n in range(months)
    ]
    subs.append(f.sub(str(PERIOD), history[-1], billed=False, day=draw(st.integers(1, 30))))
    if draw(st.booleans()):
        subs.append(f.sub(str(PERIOD + 1), history[-1], billed=False))  # already for next period: ignored
    order = draw(st.permutations(subs))
    account = f.account(
        [meter],
        {meter.id: list(order)},
        residents=draw(st.integers(1, 6)),
        opened=draw(st.sampled_from([dt.date(2020, 1, 1), dt.date(2026, 11, 30)])),
        **draw(money()),
    )
    return account


@st.composite
def any_account(draw):
    """Around the common case: its facts with one thing changed, or a history of any shape."""
    account = draw(common_account())
    [meter] = account.meters
    subs = account.submissions[meter.id]
    change = draw(
        st.sampled_from(
            ["none", "late", "missing", "two_new", "billed_now", "gap", "second_meter", "no_history", "new_account"]
        )
    )
    earlier = [s for s in subs if s.period < PERIOD]
    last = max(earlier, key=lambda s: s.key).values if earlier else None
    if change == "late" and last is not None:
        subs.append(f.sub(str(PERIOD - 1), last, billed=False, day=28))  # an old period's reading, entered late
    elif change == "missing":
        account.submissions[meter.id] = [s for s in subs if s.billed]
    elif change == "two_new":
        new = next(s for s in subs if not s.billed and s.period == PERIOD)
        subs.append(f.sub(str(PERIOD), new.values, billed=False, day=30))
    elif change == "billed_now":
        new = next(s for s in subs if not s.billed and s.period == PERIOD)
        subs.remove(new)
        subs.append(engine.SubmissionFacts(new.period, new.taken_on, new.order, new.values, True))
    elif change == "gap":
        account.submissions[meter.id] = [s for s in subs if s.period != PERIOD - 1]
    elif change == "second_meter":
        other = f.meter(pk=2, scheme=1)
        account.meters.append(other)
        account.submissions[other.id] = [
            f.sub(str(PERIOD - 1), {"total": 500}),
            f.sub(str(PERIOD), {"total": 700}, billed=False),
        ]
    elif change == "no_history":
        account.submissions[meter.id] = [s for s in subs if s.period >= PERIOD]
    elif change == "new_account":
        account.opened_on = dt.date(2026, 12, 5)
    account.billed_periods = {PERIOD - n for n in range(1, 7) if draw(st.booleans())}
    return account


def assert_same_bill(common, general):
    assert common == general
    if common[0] == "bill":
        bill = common[1]
        assert bill.figures() == (bill.charged, bill.recalculated, bill.penalties, bill.closing_total, bill.vat)


@settings(max_examples=400, deadline=None)
@given(account=common_account(), tariffs=tariffs(), penalties=st.booleans())
def test_the_common_account_is_taken_by_the_shortcut_and_billed_as_the_general_walk_bills_it(
    account, tariffs, penalties
):
    meter = account.meters[0]
    common = outcome(engine.bill_common_case, account, tariffs, penalties)
    general = outcome(engine.bill_any_case, account, tariffs, penalties)
    if meter.billable(PERIOD) and Period.of(account.opened_on) <= PERIOD:
        assert common[0] != "bill" or common[1] is not None  # the shortcut took it
        assert_same_bill(common, general)
    else:
        assert common == ("bill", None)  # not billable this period: the general walk decides
    assert outcome(engine.bill_account, account, tariffs, penalties) == general


@settings(max_examples=600, deadline=None)
@given(account=any_account(), tariffs=tariffs(), penalties=st.booleans())
def test_wherever_the_shortcut_answers_it_agrees_with_the_general_walk(account, tariffs, penalties):
    common = outcome(engine.bill_common_case, account, tariffs, penalties)
    general = outcome(engine.bill_any_case, account, tariffs, penalties)
    if common != ("bill", None):
        assert_same_bill(common, general)
    assert outcome(engine.bill_account, account, tariffs, penalties) == general
