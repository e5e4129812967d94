from notifications.sms import retry_delay, run


def test_fractional_retry_after():
    assert retry_delay({"Retry-After": "1.5"}, 0) == 1.5
    assert retry_delay({"Retry-After": "7"}, 2) == 7


def test_backoff_and_run():
    assert retry_delay({}, 10) == 60
    sent, delays = run()
    assert sent == 2 and delays == [1.5]
