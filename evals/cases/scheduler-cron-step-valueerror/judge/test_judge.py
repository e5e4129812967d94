from scheduler.cron import parse


def test_steps():
    assert parse("*/15 * * * *")["minute"] == [0, 15, 30, 45]
    assert parse("0 */6 * * *")["hour"] == [0, 6, 12, 18]


def test_lists_still_work():
    out = parse("0,30 8,12-13 * * *")
    assert out["minute"] == [0, 30]
    assert out["hour"] == [8, 12, 13]
    assert parse("5,*/20 * * * *")["minute"] == [0, 5, 20, 40]
