from rota.report import utilisation
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
