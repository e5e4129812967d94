from scheduler.slots import next_slot, suggest


def test_full_day_has_no_next_slot():
    assert suggest(540, 1020, 30, 1000, {960, 990}) is None
    assert next_slot([], 10) is None
    assert next_slot([540, 570], 570) is None


def test_next_slot_and_breaks():
    assert next_slot([540, 570, 600], 545) == 570
    assert suggest(540, 780, 60, 500, breaks=[(720, 780)]) == 540
    assert suggest(540, 780, 60, 650, breaks=[(720, 780)]) == 660
