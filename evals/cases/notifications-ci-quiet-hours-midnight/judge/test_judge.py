from notifications.quiet import in_quiet_hours, should_push


def test_window_across_midnight():
    quiet = sorted(h for h in range(24) if in_quiet_hours(h))
    assert quiet == [0, 1, 2, 3, 4, 5, 6, 22, 23]
    assert not should_push(23) and should_push(7) and should_push(21)


def test_window_within_a_day():
    assert in_quiet_hours(13, start=12, end=14)
    assert not in_quiet_hours(14, start=12, end=14)
    assert not in_quiet_hours(11, start=12, end=14)
    assert should_push(3, urgent=True)
