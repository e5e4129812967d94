from datetime import date

from billing.periods import addon_charge, days_in_period, month_of


def test_inclusive_days():
    assert days_in_period(date(2026, 11, 3), date(2026, 11, 3)) == 1
    assert days_in_period(date(2026, 2, 1), date(2026, 2, 28)) == 28


def test_addon_charge_for_a_month():
    start, end = month_of(date(2026, 11, 17))
    assert addon_charge(0.5, start, end) == 15.0
