from reports.conversion import conversion_rate, run


def test_zero_visits_is_zero_rate():
    assert conversion_rate(0, 0) == 0.0


def test_report_runs():
    rows = run()
    assert [r["rate"] for r in rows] == [2.5, 0.0, 2.1]
    assert rows[0]["orders"] == 30
