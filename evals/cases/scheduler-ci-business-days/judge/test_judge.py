from datetime import date

from scheduler.days import business_days, sla_deadline


def test_inclusive_range():
    assert len(business_days(date(2026, 11, 9), date(2026, 11, 13))) == 5
    assert business_days(date(2026, 11, 9), date(2026, 11, 9)) == [date(2026, 11, 9)]
    assert business_days(date(2026, 11, 14), date(2026, 11, 15)) == []


def test_holidays():
    days = business_days(date(2026, 12, 21), date(2026, 12, 27))
    assert days[-1] == date(2026, 12, 24) and len(days) == 4
    assert sla_deadline(date(2026, 12, 24), 1) == date(2026, 12, 28)
