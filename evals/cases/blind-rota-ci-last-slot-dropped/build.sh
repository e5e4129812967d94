#!/bin/sh
# Builds the blind-rota-ci-last-slot-dropped repository in "$1": 4 commits.
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
deployed rota by the release pipeline"
}

# --- commit 1: Rota: hourly slots and capacity
mkdir -p rota
cat > rota/__init__.py <<'__BLIND_EOF__'
"""Clinic rota: which appointment slots can still be booked."""
__BLIND_EOF__
mkdir -p rota
cat > rota/slots.py <<'__BLIND_EOF__'
"""Bookable slots of a clinic day."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Hours:
    opens: int  # hour of day, 24 h clock
    closes: int  # the clinic is closed from this hour on
    rooms: int = 1


def open_slots(hours: Hours, booked: dict[int, int]) -> list[int]:
    """Start hours with a room still free; `booked` counts bookings per start hour."""
    return [h for h in range(hours.opens, hours.closes) if booked.get(h, 0) < hours.rooms]


def capacity(hours: Hours) -> int:
    """Bookings a day can take: slots times rooms."""
    return len(range(hours.opens, hours.closes)) * hours.rooms
__BLIND_EOF__
mkdir -p tests
cat > tests/test_slots.py <<'__BLIND_EOF__'
from rota.slots import Hours, open_slots


def test_full_hours_are_left_out():
    assert open_slots(Hours(9, 12), {10: 1}) == [9, 11]
__BLIND_EOF__
mkdir -p .github/workflows
cat > .github/workflows/tests.yml <<'__BLIND_EOF__'
name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install pytest
      - run: python -m pytest -q
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-05T08:30:00+00:00 <<'__BLIND_EOF__'
Rota: hourly slots and capacity
__BLIND_EOF__
deploy 1 2026-11-05T10:00:00Z

# --- commit 2: Slots: half-hour granularity for the dental rooms
mkdir -p rota
cat > rota/slots.py <<'__BLIND_EOF__'
"""Bookable slots of a clinic day."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Hours:
    opens: str  # "09:00"
    closes: str  # "17:30": every slot must have ended by then
    rooms: int = 1
    step: int = 60  # slot length in minutes; dental rooms use 30


def minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def label(at: int) -> str:
    return f"{at // 60:02d}:{at % 60:02d}"


def open_slots(hours: Hours, booked: dict[str, int]) -> list[str]:
    """Start times ("HH:MM") with a room still free; `booked` counts bookings per start."""
    start, end = minutes(hours.opens), minutes(hours.closes)
    free = []
    for at in range(start, end - hours.step, hours.step):
        if booked.get(label(at), 0) < hours.rooms:
            free.append(label(at))
    return free


def capacity(hours: Hours) -> int:
    """Bookings a day can take: slots times rooms."""
    start, end = minutes(hours.opens), minutes(hours.closes)
    return len(range(start, end - hours.step, hours.step)) * hours.rooms
__BLIND_EOF__
mkdir -p tests
cat > tests/test_slots.py <<'__BLIND_EOF__'
from rota.slots import Hours, open_slots


def test_full_slots_are_left_out():
    assert "10:00" not in open_slots(Hours("09:00", "12:00"), {"10:00": 1})
__BLIND_EOF__
commit 'Jonas Weber' jonas.weber@acme.dev 2026-11-13T11:05:00+00:00 <<'__BLIND_EOF__'
Slots: half-hour granularity for the dental rooms

Hours become "HH:MM" strings and slots have a length (step, minutes);
a slot must end by closing time.
__BLIND_EOF__
deploy 2 2026-11-13T13:00:00Z

# --- commit 3: Report: daily utilisation for the practice manager
mkdir -p rota
cat > rota/report.py <<'__BLIND_EOF__'
"""Daily utilisation figures for the practice manager."""

from rota.slots import Hours, capacity


def utilisation(hours: Hours, booked: dict) -> float:
    """Share of the day's capacity that is booked, 0..1."""
    return round(sum(booked.values()) / capacity(hours), 3)
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-16T15:45:00+00:00 <<'__BLIND_EOF__'
Report: daily utilisation for the practice manager
__BLIND_EOF__
deploy 3 2026-11-16T17:00:00Z

# --- commit 4: Tests: half-hour slots and late closing
mkdir -p tests
cat > tests/test_slots.py <<'__BLIND_EOF__'
from rota.slots import Hours, open_slots


def test_full_slots_are_left_out():
    assert "10:00" not in open_slots(Hours("09:00", "12:00"), {"10:00": 1})


def test_half_hour_slots():
    assert open_slots(Hours("09:00", "11:00", step=30), {}) == [
        "09:00", "09:30", "10:00", "10:30"]


def test_slot_must_end_by_closing():
    assert open_slots(Hours("09:00", "10:45", step=30), {})[-1] == "10:00"
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-18T08:41:00+00:00 <<'__BLIND_EOF__'
Tests: half-hour slots and late closing
__BLIND_EOF__
deploy 4 2026-11-18T08:45:00Z
