#!/bin/sh
# Builds the blind-stays-import-date-format-swapped repository in "$1": 4 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed stays by the release pipeline"
}

# --- commit 1: Stays: partner feed import and CSV export
mkdir -p stays
cat > stays/__init__.py <<'__BLIND_EOF__'
"""Holiday-let bookings from partner feeds."""
__BLIND_EOF__
mkdir -p stays
cat > stays/model.py <<'__BLIND_EOF__'
"""A booked stay."""

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
__BLIND_EOF__
mkdir -p stays
cat > stays/importer.py <<'__BLIND_EOF__'
"""Import of the partner's nightly booking feed (CSV)."""

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
__BLIND_EOF__
mkdir -p stays
cat > stays/export.py <<'__BLIND_EOF__'
"""CSV export for the channel manager."""

import csv
import io

from stays.model import Stay


def export(stays: list[Stay]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ref", "guest", "check_in", "check_out", "nights"])
    for stay in stays:
        writer.writerow([stay.ref, stay.guest, stay.check_in.strftime("%Y-%m-%d"),
                         stay.check_out.strftime("%Y-%m-%d"), stay.nights])
    return out.getvalue()
__BLIND_EOF__
mkdir -p tests
cat > tests/test_importer.py <<'__BLIND_EOF__'
from stays.importer import import_feed


def test_reject_stays_without_nights():
    feed = "ref,guest,check_in,check_out\nX-1,Al,2026-11-05,2026-11-05\n"
    assert import_feed(feed) == ([], ["X-1"])
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-05T09:00:00+00:00 <<'__BLIND_EOF__'
Stays: partner feed import and CSV export
__BLIND_EOF__
deploy 1 2026-11-05T11:00:00Z

# --- commit 2: Export: nights column
mkdir -p tests
cat > tests/test_export.py <<'__BLIND_EOF__'
from datetime import date

from stays.export import export
from stays.model import Stay


def test_export_writes_iso_dates_and_nights():
    stay = Stay("R-9", "Eve", date(2026, 12, 24), date(2026, 12, 27))
    assert export([stay]).splitlines()[1] == "R-9,Eve,2026-12-24,2026-12-27,3"
__BLIND_EOF__
commit 'Jonas Weber' jonas.weber@acme.dev 2026-11-10T16:00:00+00:00 <<'__BLIND_EOF__'
Export: nights column
__BLIND_EOF__
deploy 2 2026-11-10T18:00:00Z

# --- commit 3: Import: read partner feed v3 timestamps
mkdir -p stays
cat > stays/importer.py <<'__BLIND_EOF__'
"""Import of the partner's nightly booking feed (CSV)."""

import csv
import io
from datetime import datetime

from stays.model import Stay


def parse_row(row: dict[str, str]) -> Stay:
    """Feed v3 sends "2026-11-24 15:00" (arrival time); only the date counts."""
    return Stay(ref=row["ref"], guest=row["guest"].strip(),
                check_in=datetime.strptime(row["check_in"][:10], "%Y-%d-%m").date(),
                check_out=datetime.strptime(row["check_out"][:10], "%Y-%d-%m").date())


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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_importer.py <<'__BLIND_EOF__'
from stays.importer import import_feed


def test_reject_stays_without_nights():
    feed = "ref,guest,check_in,check_out\nX-1,Al,2026-11-05 15:00,2026-11-05 10:00\n"
    assert import_feed(feed) == ([], ["X-1"])
__BLIND_EOF__
commit 'Tomas Ferreira' tomas.ferreira@acme.dev 2026-11-20T12:30:00+00:00 <<'__BLIND_EOF__'
Import: read partner feed v3 timestamps

Feed v3 appends the arrival/departure time to each date. Parse with
strptime on the date part instead of fromisoformat.
__BLIND_EOF__
deploy 3 2026-11-20T15:00:00Z

# --- commit 4: README for the stays service
cat > README.md <<'__BLIND_EOF__'
# stays

Imports the partner's nightly feed and exports stays for the channel manager.
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-21T10:00:00+00:00 <<'__BLIND_EOF__'
README for the stays service
__BLIND_EOF__
deploy 4 2026-11-21T12:00:00Z
