"""blind-rota-ci-last-slot-dropped (ci)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, JONAS, MAYA, PRIYA
from evals.generate.spec import CI_WORKFLOW

_ROTA_SLOTS_1 = '''"""Bookable slots of a clinic day."""

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
'''

_ROTA_SLOTS_2 = '''"""Bookable slots of a clinic day."""

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
'''

_ROTA_REPORT = '''"""Daily utilisation figures for the practice manager."""

from rota.slots import Hours, capacity


def utilisation(hours: Hours, booked: dict) -> float:
    """Share of the day's capacity that is booked, 0..1."""
    return round(sum(booked.values()) / capacity(hours), 3)
'''

_ROTA_JUDGE = '''from rota.report import utilisation
from rota.slots import Hours, capacity, open_slots


def test_every_slot_that_ends_by_closing_is_offered():
    assert open_slots(Hours("09:00", "11:00", step=30), {}) == [
        "09:00", "09:30", "10:00", "10:30"]
    assert open_slots(Hours("14:00", "17:00"), {}) == ["14:00", "15:00", "16:00"]


def test_a_slot_that_would_overrun_closing_is_not_offered():
    assert open_slots(Hours("09:00", "10:45", step=30), {}) == ["09:00", "09:30", "10:00"]


def test_full_slots_are_left_out():
    hours = Hours("09:00", "11:00", rooms=2)
    assert open_slots(hours, {"09:00": 2, "10:00": 1}) == ["10:00"]


def test_capacity_counts_the_last_slot():
    assert capacity(Hours("09:00", "11:00", step=30)) == 4
    assert capacity(Hours("08:00", "12:00", rooms=3)) == 12
    assert capacity(Hours("09:00", "10:45", step=30)) == 3


def test_utilisation():
    assert utilisation(Hours("09:00", "11:00", rooms=2), {"09:00": 2, "10:00": 1}) == 0.75
'''

CASE = Case(
    id="blind-rota-ci-last-slot-dropped",
    title="CI failure: the last slot of the day is missing from the rota",
    source="ci", service="rota", received_at="2026-11-18T08:50:00Z",
    tags=("off-by-one", "multi-site", "logic", "regression"),
    commits=(
        Commit("Rota: hourly slots and capacity", AMARA, "2026-11-05T08:30:00+00:00", {
            "rota/__init__.py": '"""Clinic rota: which appointment slots can still be booked."""\n',
            "rota/slots.py": _ROTA_SLOTS_1,
            "tests/test_slots.py": '''from rota.slots import Hours, open_slots


def test_full_hours_are_left_out():
    assert open_slots(Hours(9, 12), {10: 1}) == [9, 11]
''',
            ".github/workflows/tests.yml": CI_WORKFLOW,
        }, deploy="2026-11-05T10:00:00Z"),
        Commit("Slots: half-hour granularity for the dental rooms\n\n"
               "Hours become \"HH:MM\" strings and slots have a length (step, minutes);\n"
               "a slot must end by closing time.\n", JONAS, "2026-11-13T11:05:00+00:00", {
            "rota/slots.py": _ROTA_SLOTS_2,
            "tests/test_slots.py": '''from rota.slots import Hours, open_slots


def test_full_slots_are_left_out():
    assert "10:00" not in open_slots(Hours("09:00", "12:00"), {"10:00": 1})
''',
        }, deploy="2026-11-13T13:00:00Z"),
        Commit("Report: daily utilisation for the practice manager", PRIYA,
               "2026-11-16T15:45:00+00:00", {"rota/report.py": _ROTA_REPORT},
               deploy="2026-11-16T17:00:00Z"),
        Commit("Tests: half-hour slots and late closing", MAYA, "2026-11-18T08:41:00+00:00", {
            "tests/test_slots.py": '''from rota.slots import Hours, open_slots


def test_full_slots_are_left_out():
    assert "10:00" not in open_slots(Hours("09:00", "12:00"), {"10:00": 1})


def test_half_hour_slots():
    assert open_slots(Hours("09:00", "11:00", step=30), {}) == [
        "09:00", "09:30", "10:00", "10:30"]


def test_slot_must_end_by_closing():
    assert open_slots(Hours("09:00", "10:45", step=30), {})[-1] == "10:00"
''',
        }, deploy="2026-11-18T08:45:00Z"),
    ),
    culprit=2, files=("rota/slots.py",), functions=("open_slots", "capacity"),
    judge=_ROTA_JUDGE,
    fix=(Edit("rota/slots.py", "range(start, end - hours.step, hours.step)",
              "range(start, end - hours.step + 1, hours.step)", count=2),),
    wrong_fixes=(
        WrongFix("fixes only open_slots, the loop the failing test exercises", (
            Edit("rota/slots.py", "    for at in range(start, end - hours.step, hours.step):",
                 "    for at in range(start, end - hours.step + 1, hours.step):"),
        )),
    ),
    summary={"bug": "the half-hour rewrite stops both slot ranges at closing - step "
                    "(exclusive), dropping the last slot in open_slots and capacity",
             "fix": "range(start, end - step + 1, step) in both functions",
             "trap": "fixing only open_slots (the visible test); `range(start, end, step)` "
                     "offers a slot that overruns closing"},
)
