"""Worked examples of the billing rules, each figure computed by hand in the comments.

Prices (the factories'): single rate 6.00 ₽/kWh; day 7.00, night 3.50; peak 8.00, semi-peak 6.00,
night 3.50. Norm: 60 kWh per resident a month. The engine is called on plain facts (no database).
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from billing import engine, rules
from core.periods import Period
from tests.billing.facts import account, meter, monthly, sub, tariffs

OCT, NOV, DEC = Period(2026, 10), Period(2026, 11), Period(2026, 12)


def charge_of(bill):
    [charge] = [e for e in bill.entries if e.kind == "charge"]
    return charge


def test_single_rate_charge_is_volume_times_price():
    # 11 250 - 11 000 = 250 kWh x 6.00 = 1 500.00
    facts = account([meter()], {1: [*monthly(10_000), sub("2026-10", {"total": 11_250}, billed=False)]})
    charge = charge_of(engine.bill_account(facts, OCT, tariffs()))
    assert charge.amount == D("1500.00")
    [line] = charge.lines
    assert (line.previous_value, line.current_value, line.volume, line.price, line.basis) == (
        11_000, 11_250, 250, D("6.00"), "actual",
    )  # fmt: skip


def test_day_night_charge_prices_each_zone():
    # day 5 100 - 5 000 = 100 x 7.00 = 700.00; night 2 050 - 2 000 = 50 x 3.50 = 175.00; total 875.00
    subs = [sub("2026-09", {"day": 5000, "night": 2000}), sub("2026-10", {"day": 5100, "night": 2050}, billed=False)]
    charge = charge_of(engine.bill_account(account([meter(scheme=2)], {1: subs}), OCT, tariffs()))
    assert {(x.zone, x.volume, x.amount) for x in charge.lines} == {
        ("day", 100, D("700.00")),
        ("night", 50, D("175.00")),
    }
    assert charge.amount == D("875.00")


def test_three_zone_charge():
    # peak 30 x 8.00 = 240.00; semi-peak 60 x 6.00 = 360.00; night 40 x 3.50 = 140.00; total 740.00
    subs = [
        sub("2026-09", {"peak": 1000, "semipeak": 2000, "night": 3000}),
        sub("2026-10", {"peak": 1030, "semipeak": 2060, "night": 3040}, billed=False),
    ]
    charge = charge_of(engine.bill_account(account([meter(scheme=3)], {1: subs}), OCT, tariffs()))
    assert {x.zone: x.amount for x in charge.lines} == {
        "peak": D("240.00"),
        "semipeak": D("360.00"),
        "night": D("140.00"),
    }
    assert charge.amount == D("740.00")


def test_tariff_change_mid_month_splits_the_volume_by_days():
    # July has 31 days: 6.00 on 1-14 July (14 days), 6.50 from 15 July (17 days).
    # 310 kWh x 14/31 = 140 kWh x 6.00 = 840.00; 310 x 17/31 = 170 kWh x 6.50 = 1 105.00; total 1 945.00
    prices = tariffs({(1, "total"): [(dt.date(2020, 1, 1), D("6.00")), (dt.date(2026, 7, 15), D("6.50"))]})
    subs = [sub("2026-06", {"total": 10_000}), sub("2026-07", {"total": 10_310}, billed=False)]
    charge = charge_of(engine.bill_account(account([meter()], {1: subs}), Period(2026, 7), prices))
    assert [(x.date_from, x.date_to, x.volume, x.price, x.amount) for x in charge.lines] == [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 14), 140, D("6.00"), D("840.00")),
        (dt.date(2026, 7, 15), dt.date(2026, 7, 31), 170, D("6.50"), D("1105.00")),
    ]
    assert charge.amount == D("1945.00")


def test_rollover_past_the_maximum_counts_the_units_through_zero():
    # 6 digits: 999 950 -> 000 030 is 50 + 30 = 80 kWh x 6.00 = 480.00
    subs = [sub("2026-09", {"total": 999_950}), sub("2026-10", {"total": 30}, billed=False)]
    assert charge_of(engine.bill_account(account([meter()], {1: subs}), OCT, tariffs())).amount == D("480.00")


def test_transformer_ratio_multiplies_the_units():
    # 25 units x ratio 40 = 1 000 kWh x 6.00 = 6 000.00
    subs = [sub("2026-09", {"total": 500}), sub("2026-10", {"total": 525}, billed=False)]
    charge = charge_of(engine.bill_account(account([meter(ratio=40)], {1: subs}), OCT, tariffs()))
    assert (charge.lines[0].volume, charge.amount) == (1000, D("6000.00"))


def test_social_norm_prices_the_volume_within_and_above_it():
    # Norm 100 kWh: day 120 + night 30 = 150 kWh. Within the norm 100 split as the zones: day 80, night 20.
    # day 80 x 7.00 = 560.00 + 40 x 9.00 = 360.00; night 20 x 3.50 = 70.00 + 10 x 4.50 = 45.00; total 1 035.00
    prices = tariffs(
        {
            (2, "day"): [(dt.date(2020, 1, 1), D("7.00"), D("9.00"))],
            (2, "night"): [(dt.date(2020, 1, 1), D("3.50"), D("4.50"))],
        },
        social_norm=100,
    )
    subs = [sub("2026-09", {"day": 1000, "night": 1000}), sub("2026-10", {"day": 1120, "night": 1030}, billed=False)]
    charge = charge_of(engine.bill_account(account([meter(scheme=2)], {1: subs}), OCT, prices))
    assert {(x.zone, x.tier, x.volume, x.amount) for x in charge.lines} == {
        ("day", "within", 80, D("560.00")),
        ("day", "above", 40, D("360.00")),
        ("night", "within", 20, D("70.00")),
        ("night", "above", 10, D("45.00")),
    }
    assert charge.amount == D("1035.00")


def test_one_missing_month_is_charged_by_the_average():
    # Readings April..September: 10 000 -> 11 000 over 5 months = 200 kWh a month x 6.00 = 1 200.00
    charge = charge_of(engine.bill_account(account([meter()], {1: monthly(10_000)}), OCT, tariffs()))
    assert [(x.basis, x.volume, x.amount) for x in charge.lines] == [("average", 200, D("1200.00"))]


def test_three_missing_months_by_the_average_then_the_norm():
    # The last reading is September's: October, November, December (3 periods) by the average, 1 200.00 each;
    # January is the 4th: the norm, 2 residents x 60 kWh = 120 kWh x 6.00 = 720.00.
    facts = account([meter()], {1: monthly(10_000)}, residents=2)
    assert charge_of(engine.bill_account(facts, DEC, tariffs())).lines[0].basis == "average"
    january = charge_of(engine.bill_account(facts, Period(2027, 1), tariffs()))
    assert [(x.basis, x.zone, x.volume, x.amount) for x in january.lines] == [("norm", "total", 120, D("720.00"))]


def test_too_little_history_goes_straight_to_the_norm():
    # Only two months of readings (less than 3): 3 residents x 60 = 180 kWh x 6.00 = 1 080.00
    facts = account([meter()], {1: monthly(10_000, first="2026-08", months=2)}, residents=3)
    assert [(x.basis, x.amount) for x in charge_of(engine.bill_account(facts, OCT, tariffs())).lines] == [
        ("norm", D("1080.00"))
    ]


def test_expired_verification_raises_the_norm_by_half():
    # 4th month without readings and the verification expired in June: 2 x 60 x 1.5 = 180 kWh x 6.00 = 1 080.00
    facts = account([meter(verification_due=dt.date(2026, 6, 1))], {1: monthly(10_000)})
    assert charge_of(engine.bill_account(facts, Period(2027, 1), tariffs())).amount == D("1080.00")


def test_account_without_a_meter_pays_the_raised_norm():
    # No meter: 2 residents x 60 kWh x 1.5 = 180 kWh x 6.00 = 1 080.00
    assert charge_of(engine.bill_account(account([], {}), OCT, tariffs())).amount == D("1080.00")


def test_actual_reading_after_estimates_recalculates_them():
    # Estimated October and November: 200 kWh each (1 200.00 each). December brings 11 690:
    # 690 kWh since September's 11 000, spread over Oct (31 d), Nov (30 d), Dec (31 d) = 92 days:
    # 232.5 / 225 / 232.5 -> 233 (the tie goes to the earlier month), 225, 232.
    # October: 233 x 6 = 1 398.00 - 1 200.00 = +198.00; November: 225 x 6 = 1 350.00 - 1 200.00 = +150.00;
    # December's charge: 232 x 6 = 1 392.00. Over the three months: 2 400 + 348 + 1 392 = 4 140.00 = 690 x 6.
    posted = {
        month: [
            engine.PostedLine(1, "total", "average", "", month.first_day, month.last_day, 200, D("6"), D("1200.00"))
        ]
        for month in (OCT, NOV)
    }
    facts = account(
        [meter()], {1: [*monthly(10_000), sub("2026-12", {"total": 11_690}, billed=False)]},
        billed=["2026-10", "2026-11"], posted=posted,
    )  # fmt: skip
    bill = engine.bill_account(facts, DEC, tariffs())
    recalculations = {e.for_period: e for e in bill.entries if e.kind == "recalculation"}
    assert {p: e.amount for p, e in recalculations.items()} == {OCT: D("198.00"), NOV: D("150.00")}
    assert [(x.basis, x.volume, x.amount) for x in recalculations[OCT].lines] == [
        ("average", -200, D("-1200.00")),
        ("actual", 233, D("1398.00")),
    ]
    assert charge_of(bill).amount == D("1392.00")
    assert bill.charged + bill.recalculated + D("2400.00") == 690 * D(6)


def test_due_date_moves_from_the_10th_to_the_15th_in_march_2026():
    assert rules.due_date(Period(2026, 1)) == dt.date(2026, 2, 10)
    assert rules.due_date(Period(2026, 2)) == dt.date(2026, 3, 15)
    assert rules.due_date(Period(2026, 11)) == dt.date(2026, 12, 15)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 1 000.00 due 15.01.2026, key rate 16 % capped at 9.5 % until 2027.
        (dt.date(2026, 2, 14), None),  # day 30 after the due date: no penalty yet
        (dt.date(2026, 2, 15), D("0.3166666667")),  # day 31: 1 000 x 9.5 % / 300 a day
        (dt.date(2026, 4, 15), D("0.3166666667")),  # day 90: still 1/300
        (dt.date(2026, 4, 16), D("0.7307692308")),  # day 91: 1 000 x 9.5 % / 130 a day
    ],
)
def test_penalty_on_days_30_31_90_and_91(day, expected):
    days = rules.penalty_days(
        first_day=day, last_day=day, opening=D("1000.00"), movements=[],
        debts=[rules.Debt(dt.date(2026, 1, 15), D("1000.00"))], key_rates=[(dt.date(2025, 10, 27), D("16"))],
    )  # fmt: skip
    assert (round(days[0].amount, 10) if days else None) == expected


def test_penalty_uses_the_key_rate_itself_after_the_cap_ends():
    # From 2027 the cap is gone: 1 000.00 x 16 % / 300 = 0.5333… a day
    [day] = rules.penalty_days(
        first_day=dt.date(2027, 2, 1), last_day=dt.date(2027, 2, 1), opening=D("1000.00"), movements=[],
        debts=[rules.Debt(dt.date(2026, 12, 15), D("1000.00"))], key_rates=[(dt.date(2025, 10, 27), D("16"))],
    )  # fmt: skip
    assert round(day.amount, 10) == D("0.5333333333")


def test_penalty_of_a_period_is_rounded_once_and_stops_after_payment():
    # Bill of December 2025: 1 000.00 due 10.01.2026. February 2026: overdue 31+ days from 10.02 (day 31).
    # 10.02-28.02 = 19 days x 0.31666… = 6.0166… -> 6.02 without payment.
    facts = account(
        [meter()], {1: [*monthly(10_000, first="2025-08"), sub("2026-02", {"total": 11_300}, billed=False)]},
        opening_base=D("1000.00"), opening_total=D("1000.00"),
        debts=[rules.Debt(dt.date(2026, 1, 10), D("1000.00"))],
    )  # fmt: skip
    feb = Period(2026, 2)
    assert engine.penalty_for_period(facts, feb, tariffs()) == D("6.02")
    # Paid in full on 20.02: the 10th..20th count (11 days, the day of payment included) = 3.4833… -> 3.48
    facts.movements = [("payment", dt.date(2026, 2, 20), D("-1000.00"))]
    assert engine.penalty_for_period(facts, feb, tariffs()) == D("3.48")
