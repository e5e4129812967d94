"""blind-stays-import-date-format-swapped (sentry)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, JONAS, MAYA, TOMAS

_ST_MODEL = '''"""A booked stay."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Stay:
    ref: str
    guest: str
    check_in: date
    check_out: date

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days
'''

_ST_EXPORT = '''"""CSV export for the channel manager."""

import csv
import io

from stays.model import Stay


def export(stays: list[Stay]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\\n")
    writer.writerow(["ref", "guest", "check_in", "check_out", "nights"])
    for stay in stays:
        writer.writerow([stay.ref, stay.guest, stay.check_in.strftime("%Y-%m-%d"),
                         stay.check_out.strftime("%Y-%m-%d"), stay.nights])
    return out.getvalue()
'''

_ST_IMPORT_1 = '''"""Import of the partner's nightly booking feed (CSV)."""

import csv
import io
from datetime import date

from stays.model import Stay


def parse_row(row: dict[str, str]) -> Stay:
    return Stay(ref=row["ref"], guest=row["guest"].strip(),
                check_in=date.fromisoformat(row["check_in"]),
                check_out=date.fromisoformat(row["check_out"]))


def import_feed(text: str) -> tuple[list[Stay], list[str]]:
    """Stays of the feed, and the refs of rows rejected as impossible."""
    stays, rejected = [], []
    for row in csv.DictReader(io.StringIO(text)):
        stay = parse_row(row)
        if stay.nights < 1:
            rejected.append(stay.ref)
        else:
            stays.append(stay)
    return stays, rejected
'''

_ST_IMPORT_3 = _ST_IMPORT_1.replace(
    "from datetime import date\n", "from datetime import datetime\n").replace(
    '''                check_in=date.fromisoformat(row["check_in"]),
                check_out=date.fromisoformat(row["check_out"]))
''', '''                check_in=datetime.strptime(row["check_in"][:10], "%Y-%d-%m").date(),
                check_out=datetime.strptime(row["check_out"][:10], "%Y-%d-%m").date())
''').replace('def parse_row(row: dict[str, str]) -> Stay:\n',
             'def parse_row(row: dict[str, str]) -> Stay:\n'
             '    """Feed v3 sends "2026-11-24 15:00" (arrival time); only the date counts."""\n')

_ST_JUDGE = '''from datetime import date

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
'''

CASE = Case(
    id="blind-stays-import-date-format-swapped",
    title="ValueError: unconverted data remains: 8 in parse_row (partner feed import)",
    source="sentry", service="stays", received_at="2026-11-22T02:15:00Z",
    tags=("ValueError", "parsing", "wrong-literal", "multi-site", "regression"),
    commits=(
        Commit("Stays: partner feed import and CSV export", AMARA,
               "2026-11-05T09:00:00+00:00", {
            "stays/__init__.py": '"""Holiday-let bookings from partner feeds."""\n',
            "stays/model.py": _ST_MODEL,
            "stays/importer.py": _ST_IMPORT_1,
            "stays/export.py": _ST_EXPORT,
            "tests/test_importer.py": '''from stays.importer import import_feed


def test_reject_stays_without_nights():
    feed = "ref,guest,check_in,check_out\\nX-1,Al,2026-11-05,2026-11-05\\n"
    assert import_feed(feed) == ([], ["X-1"])
''',
        }, deploy="2026-11-05T11:00:00Z"),
        Commit("Export: nights column", JONAS, "2026-11-10T16:00:00+00:00", {
            "tests/test_export.py": '''from datetime import date

from stays.export import export
from stays.model import Stay


def test_export_writes_iso_dates_and_nights():
    stay = Stay("R-9", "Eve", date(2026, 12, 24), date(2026, 12, 27))
    assert export([stay]).splitlines()[1] == "R-9,Eve,2026-12-24,2026-12-27,3"
''',
        }, deploy="2026-11-10T18:00:00Z"),
        Commit("Import: read partner feed v3 timestamps\n\n"
               "Feed v3 appends the arrival/departure time to each date. Parse with\n"
               "strptime on the date part instead of fromisoformat.\n", TOMAS,
               "2026-11-20T12:30:00+00:00", {
            "stays/importer.py": _ST_IMPORT_3,
            "tests/test_importer.py": '''from stays.importer import import_feed


def test_reject_stays_without_nights():
    feed = "ref,guest,check_in,check_out\\nX-1,Al,2026-11-05 15:00,2026-11-05 10:00\\n"
    assert import_feed(feed) == ([], ["X-1"])
''',
        }, deploy="2026-11-20T15:00:00Z"),
        Commit("README for the stays service", MAYA,
               "2026-11-21T10:00:00+00:00", {
            "README.md": "# stays\n\nImports the partner's nightly feed and exports stays "
                         "for the channel manager.\n",
        }, deploy="2026-11-21T12:00:00Z"),
    ),
    culprit=3, files=("stays/importer.py",), functions=("parse_row",),
    judge=_ST_JUDGE,
    crash='''from stays.importer import import_feed

feed = ("ref,guest,check_in,check_out\\n"
        "PX-20931,Lena Vogt,2026-11-28 15:00,2026-12-02 10:00\\n")
import_feed(feed)
''',
    fix=(Edit("stays/importer.py", '"%Y-%d-%m"', '"%Y-%m-%d"', count=2),),
    wrong_fixes=(
        WrongFix("fixes check_in only: check_out keeps day and month swapped", (
            Edit("stays/importer.py", 'row["check_in"][:10], "%Y-%d-%m"',
                 'row["check_in"][:10], "%Y-%m-%d"'),
        )),
        WrongFix("rejects rows whose dates do not parse", (
            Edit("stays/importer.py", "        stay = parse_row(row)\n",
                 "        try:\n            stay = parse_row(row)\n"
                 '        except ValueError:\n            rejected.append(row["ref"])\n'
                 "            continue\n"),
        )),
    ),
    summary={"bug": "feed v3 parsing uses '%Y-%d-%m' for check_in and check_out: days "
                    "above 12 crash, days up to 12 swap with the month silently",
             "fix": "'%Y-%m-%d' in both places (export.py writes that format)",
             "trap": "fixing check_in only (the crash goes away, stays are rejected); "
                     "try/except rejecting rows"},
)
