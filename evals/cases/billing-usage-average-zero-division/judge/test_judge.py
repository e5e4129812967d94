from billing.usage import summarize


def test_no_usage_summary():
    out = summarize("acc-2291", [], 0.12)
    assert out["units"] == 0
    assert out["amount"] == 0
    assert out["average_daily"] == 0


def test_average_still_reported():
    out = summarize("a", [{"day": 1, "units": 10}, {"day": 2, "units": 30}], 0.5)
    assert out["average_daily"] == 20.0
