from datetime import datetime, timezone

from billing.proration import days_used, prorated_credit


def test_default_clock_works():
    assert prorated_credit(49.0, "2026-11-01 08:00:00") >= 0


def test_days_used_with_aware_now():
    now = datetime(2026, 11, 16, 8, 0, tzinfo=timezone.utc)
    assert days_used("2026-11-01 08:00:00", now) == 15
    assert prorated_credit(30.0, "2026-11-01 08:00:00", now=now) == 15.0
