from datetime import date

from reports.filters import date_range, parse_day


def test_iso_dates_still_accepted():
    assert date_range({"from": "2026-11-01", "to": "2026-11-12"}) == (
        date(2026, 11, 1),
        date(2026, 11, 12),
    )


def test_german_dates_accepted():
    assert parse_day("12.11.2026") == date(2026, 11, 12)
    assert date_range({"from": "01.11.2026", "to": "2026-11-30"})[1] == date(2026, 11, 30)
