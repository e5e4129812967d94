from datetime import datetime

from scheduler.reminders import due, parse_at


def test_mixed_formats_are_ordered_in_utc():
    reminders = [
        {"id": "r-118", "at": "2026-11-05 08:00"},
        {"id": "r-131", "at": "2026-11-05T07:30:00Z"},
        {"id": "r-140", "at": "2026-11-05T10:30:00+02:00"},
        {"id": "r-150", "at": "2026-11-05T12:00:00Z"},
    ]
    assert due(reminders, datetime(2026, 11, 5, 9, 0)) == ["r-131", "r-118", "r-140"]


def test_plain_format_unchanged():
    assert parse_at("2026-11-05 08:00") == datetime(2026, 11, 5, 8, 0)
    assert due([{"id": "x", "at": "2026-11-05 08:00", "cancelled": True}],
               datetime(2026, 11, 6)) == []
