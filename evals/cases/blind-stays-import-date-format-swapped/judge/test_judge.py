from datetime import date

from stays.export import export
from stays.importer import import_feed

FEED = """ref,guest,check_in,check_out
B-1,Ana Silva,2026-11-28 15:00,2026-12-02 10:00
B-2,Bo Chen,2026-12-03 14:00,2026-12-05 11:00
B-3,Cy Dube,2026-11-14,2026-11-16
B-4,Di Roth,2026-12-09 15:00,2026-12-07 11:00
"""


def test_dates_are_read_year_month_day():
    stays, _ = import_feed(FEED)
    got = {s.ref: (s.check_in, s.check_out) for s in stays}
    assert got == {"B-1": (date(2026, 11, 28), date(2026, 12, 2)),
                   "B-2": (date(2026, 12, 3), date(2026, 12, 5)),
                   "B-3": (date(2026, 11, 14), date(2026, 11, 16))}


def test_only_impossible_stays_are_rejected():
    stays, rejected = import_feed(FEED)
    assert rejected == ["B-4"]
    assert [s.nights for s in stays] == [4, 2, 2]


def test_import_export_round_trip():
    stays, _ = import_feed(FEED)
    assert export(stays).splitlines()[1:] == [
        "B-1,Ana Silva,2026-11-28,2026-12-02,4",
        "B-2,Bo Chen,2026-12-03,2026-12-05,2",
        "B-3,Cy Dube,2026-11-14,2026-11-16,2"]
